using KappaFace.MLNet.Data.Detection;

namespace KappaFace.MLNet.Data.Alignment;

/// <summary>
/// Where the five landmarks go in an aligned crop: the 112 x 112 template of the ArcFace/InsightFace
/// projects (Deng et al., CVPR 2019), scaled by S / 112 for an S x S crop. Order as <see cref="DetectedFace.Landmarks"/>.
/// </summary>
public static class ArcFaceTemplate
{
    /// <summary>The side the template is defined for.</summary>
    public const int ReferenceSize = 112;

    private static readonly FacePoint[] Reference =
    [
        new(38.2946f, 51.6963f),
        new(73.5318f, 51.5014f),
        new(56.0252f, 71.7366f),
        new(41.5493f, 92.3655f),
        new(70.7299f, 92.2041f),
    ];

    /// <summary>The five target points of an S x S crop.</summary>
    public static IReadOnlyList<FacePoint> For(int size)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        float f = (float)size / ReferenceSize;
        return [.. Reference.Select(p => new FacePoint(p.X * f, p.Y * f))];
    }
}
