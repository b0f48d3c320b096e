using KappaFace.MLNet.Data.Detection;

namespace KappaFace.MLNet.Data.Alignment;

/// <summary>
/// A 2-D similarity (rotation, uniform scale, translation): x' = A x - B y + Tx, y' = B x + A y + Ty, i.e.
/// scale sqrt(A^2 + B^2) and angle atan2(B, A). No reflection.
/// </summary>
/// <param name="A">scale x cos(angle).</param>
/// <param name="B">scale x sin(angle).</param>
/// <param name="Tx">Horizontal translation.</param>
/// <param name="Ty">Vertical translation.</param>
public readonly record struct SimilarityTransform(double A, double B, double Tx, double Ty)
{
    /// <summary>The uniform scale factor.</summary>
    public double Scale => Math.Sqrt((A * A) + (B * B));

    /// <summary>The rotation angle in radians.</summary>
    public double Angle => Math.Atan2(B, A);

    /// <summary>Maps a point.</summary>
    public (double X, double Y) Apply(double x, double y) => ((A * x) - (B * y) + Tx, (B * x) + (A * y) + Ty);

    /// <summary>The inverse transform (undefined for scale 0).</summary>
    public SimilarityTransform Inverse()
    {
        double d = (A * A) + (B * B);
        if (d == 0)
        {
            throw new InvalidOperationException("A similarity with scale 0 has no inverse.");
        }

        double a = A / d, b = -B / d;
        return new SimilarityTransform(a, b, -((a * Tx) - (b * Ty)), -((b * Tx) + (a * Ty)));
    }

    /// <summary>
    /// The least-squares similarity taking <paramref name="source"/> points onto <paramref name="target"/>
    /// points (minimising the summed squared distances). This is Umeyama's estimate (IEEE PAMI 13(4), 1991)
    /// restricted to proper rotations, which in two dimensions has the closed form used here: with both point
    /// sets centred, A = sum(x u + y v) / sum(x^2 + y^2) and B = sum(x v - y u) / sum(x^2 + y^2).
    /// </summary>
    /// <exception cref="ArgumentException">Fewer than two points, different counts, or all source points equal.</exception>
    public static SimilarityTransform Estimate(IReadOnlyList<FacePoint> source, IReadOnlyList<FacePoint> target)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        if (source.Count != target.Count || source.Count < 2)
        {
            throw new ArgumentException($"Need two equally long lists of at least 2 points; got {source.Count} and {target.Count}.");
        }

        int n = source.Count;
        double sx = 0, sy = 0, tx = 0, ty = 0;
        for (int i = 0; i < n; i++)
        {
            sx += source[i].X;
            sy += source[i].Y;
            tx += target[i].X;
            ty += target[i].Y;
        }

        sx /= n;
        sy /= n;
        tx /= n;
        ty /= n;
        double dot = 0, cross = 0, norm = 0;
        for (int i = 0; i < n; i++)
        {
            double x = source[i].X - sx, y = source[i].Y - sy;
            double u = target[i].X - tx, v = target[i].Y - ty;
            dot += (x * u) + (y * v);
            cross += (x * v) - (y * u);
            norm += (x * x) + (y * y);
        }

        if (!(norm > 0))
        {
            throw new ArgumentException("The source points all coincide (or are not finite): no similarity is determined.", nameof(source));
        }

        double a = dot / norm, b = cross / norm;
        return new SimilarityTransform(a, b, tx - ((a * sx) - (b * sy)), ty - ((b * sx) + (a * sy)));
    }
}
