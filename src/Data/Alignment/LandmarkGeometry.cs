using System.Globalization;
using KappaFace.MLNet.Data.Detection;

namespace KappaFace.MLNet.Data.Alignment;

/// <summary>
/// Says whether five landmarks can place a face on the template. A detector can return points that no
/// alignment can use: not finite numbers, all at one spot (the least-squares similarity is undetermined),
/// all on one line (a face's eyes, nose and mouth span two dimensions; a line gives a crop of an arbitrary
/// rotation), or points the template fits only with a vanishing scale (e.g. left and right swapped, which a
/// similarity without reflection cannot follow). Such a face is dropped and reported, never warped.
/// </summary>
public static class LandmarkGeometry
{
    /// <summary>Points whose root-mean-square distance from their centre is below this (pixels) coincide.</summary>
    public const double MinimumSpread = 1.0;

    /// <summary>
    /// Points whose spread across their main direction is below this fraction of the spread along it lie on
    /// a line (the ArcFace template's ratio is about 0.6; a profile face's is above 0.1).
    /// </summary>
    public const double MinimumThickness = 1e-3;

    /// <summary>A fitted similarity scaling the face by less than this maps it to a point.</summary>
    public const double MinimumScale = 1e-6;

    /// <summary>Why the landmarks cannot be aligned, or null when they can.</summary>
    /// <param name="landmarks">The five points, in the photo's pixels.</param>
    /// <param name="size">The crop side the face is aligned to.</param>
    public static string? Degeneracy(IReadOnlyList<FacePoint> landmarks, int size = ArcFaceTemplate.ReferenceSize)
    {
        ArgumentNullException.ThrowIfNull(landmarks);
        if (landmarks.Count != DetectedFace.LandmarkCount)
        {
            return $"{landmarks.Count} landmarks instead of {DetectedFace.LandmarkCount}";
        }

        if (landmarks.Any(p => !float.IsFinite(p.X) || !float.IsFinite(p.Y)))
        {
            return "landmarks that are not finite numbers";
        }

        double cx = landmarks.Average(p => (double)p.X), cy = landmarks.Average(p => (double)p.Y);
        double xx = landmarks.Average(p => (p.X - cx) * (p.X - cx));
        double yy = landmarks.Average(p => (p.Y - cy) * (p.Y - cy));
        double xy = landmarks.Average(p => (p.X - cx) * (p.Y - cy));
        double spread = Math.Sqrt(xx + yy);
        if (spread < MinimumSpread)
        {
            return string.Create(CultureInfo.InvariantCulture, $"landmarks within {spread:0.###} pixels of each other");
        }

        // Principal variances of the point cloud: the eigenvalues of [[xx, xy], [xy, yy]].
        double half = (xx + yy) / 2, root = Math.Sqrt((((xx - yy) / 2) * ((xx - yy) / 2)) + (xy * xy));
        double thickness = Math.Sqrt(Math.Max(half - root, 0) / (half + root));
        if (thickness < MinimumThickness)
        {
            return "landmarks on one line";
        }

        double scale = SimilarityTransform.Estimate(landmarks, ArcFaceTemplate.For(size)).Scale;
        return scale >= MinimumScale && double.IsFinite(scale)
            ? null
            : "landmarks the template fits only with a zero scale (mirrored or scrambled points)";
    }
}
