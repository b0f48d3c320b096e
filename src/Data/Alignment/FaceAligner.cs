using KappaFace.MLNet.Data.Detection;

namespace KappaFace.MLNet.Data.Alignment;

/// <summary>
/// Cuts aligned face crops: the least-squares similarity from a face's five landmarks onto
/// <see cref="ArcFaceTemplate"/>, then each crop pixel is sampled from the original image through its
/// inverse with bilinear interpolation; samples outside the image repeat the nearest edge pixel (a face cut
/// by the border gets smeared edge colours there, not black, as the reference crops do).
/// </summary>
public static class FaceAligner
{
    /// <summary>The similarity that maps source-image landmarks onto the template of an S x S crop.</summary>
    public static SimilarityTransform TransformFor(IReadOnlyList<FacePoint> landmarks, int size) =>
        SimilarityTransform.Estimate(landmarks, ArcFaceTemplate.For(size));

    /// <summary>The S x S aligned crop of one face.</summary>
    /// <param name="image">The original decoded image (never a resized copy).</param>
    /// <param name="landmarks">The face's five landmarks in <paramref name="image"/>'s pixels.</param>
    /// <param name="size">The crop side S; 112 is the template's own size.</param>
    /// <exception cref="ArgumentException">Not five landmarks, or degenerate ones (<see cref="LandmarkGeometry"/>).</exception>
    public static RgbImage Align(RgbImage image, IReadOnlyList<FacePoint> landmarks, int size = ArcFaceTemplate.ReferenceSize)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(landmarks);
        if (landmarks.Count != DetectedFace.LandmarkCount)
        {
            throw new ArgumentException($"Alignment needs {DetectedFace.LandmarkCount} landmarks; got {landmarks.Count}.", nameof(landmarks));
        }

        if (LandmarkGeometry.Degeneracy(landmarks, size) is { } why)
        {
            throw new ArgumentException($"Cannot align a face with {why}.", nameof(landmarks));
        }

        return Warp(image, TransformFor(landmarks, size).Inverse(), size, size);
    }

    /// <summary>
    /// A width x height image whose pixel (x, y) is the bilinear sample of <paramref name="image"/> at
    /// <paramref name="cropToSource"/>(x, y); pixel centres sit at integer coordinates, border replicated.
    /// </summary>
    public static RgbImage Warp(RgbImage image, SimilarityTransform cropToSource, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(image);
        var pixels = new byte[checked(3 * width * height)];
        int maxX = image.Width - 1, maxY = image.Height - 1;
        byte[] src = image.Pixels;
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                var (sx, sy) = cropToSource.Apply(x, y);
                double fx = Math.Floor(sx), fy = Math.Floor(sy);
                double wx = sx - fx, wy = sy - fy;
                int x0 = ClampIndex(fx, maxX), x1 = ClampIndex(fx + 1, maxX);
                int y0 = ClampIndex(fy, maxY), y1 = ClampIndex(fy + 1, maxY);
                int i00 = 3 * ((y0 * image.Width) + x0), i01 = 3 * ((y0 * image.Width) + x1);
                int i10 = 3 * ((y1 * image.Width) + x0), i11 = 3 * ((y1 * image.Width) + x1);
                int to = 3 * ((y * width) + x);
                for (int c = 0; c < 3; c++)
                {
                    double top = src[i00 + c] + (wx * (src[i01 + c] - src[i00 + c]));
                    double bottom = src[i10 + c] + (wx * (src[i11 + c] - src[i10 + c]));
                    pixels[to + c] = (byte)Math.Clamp(Math.Round(top + (wy * (bottom - top))), 0, 255);
                }
            }
        }

        return new RgbImage(width, height, pixels);
    }

    private static int ClampIndex(double value, int max) =>
        double.IsNaN(value) ? 0 : (int)Math.Clamp(value, 0, max);
}
