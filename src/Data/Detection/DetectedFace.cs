namespace KappaFace.MLNet.Data.Detection;

/// <summary>A point in pixel coordinates (x to the right, y down; pixel centres at integers).</summary>
/// <param name="X">Horizontal coordinate.</param>
/// <param name="Y">Vertical coordinate.</param>
public readonly record struct FacePoint(float X, float Y);

/// <summary>An axis-aligned box, corners (X1, Y1) top-left and (X2, Y2) bottom-right, in pixels.</summary>
/// <param name="X1">Left.</param>
/// <param name="Y1">Top.</param>
/// <param name="X2">Right.</param>
/// <param name="Y2">Bottom.</param>
public readonly record struct FaceBox(float X1, float Y1, float X2, float Y2)
{
    /// <summary>Width x height (0 for an empty box).</summary>
    public float Area => Math.Max(0f, X2 - X1) * Math.Max(0f, Y2 - Y1);

    /// <summary>Intersection over union with another box (0 when both are empty).</summary>
    public float IntersectionOverUnion(FaceBox other)
    {
        float w = Math.Min(X2, other.X2) - Math.Max(X1, other.X1);
        float h = Math.Min(Y2, other.Y2) - Math.Max(Y1, other.Y1);
        float inter = w > 0 && h > 0 ? w * h : 0f;
        float union = Area + other.Area - inter;
        return union > 0 ? inter / union : 0f;
    }

    /// <summary>True when the box reaches outside a width x height image (a face cut by the border).</summary>
    public bool CrossesBorder(int width, int height) => X1 < 0 || Y1 < 0 || X2 > width || Y2 > height;
}

/// <summary>
/// One detected face: its box, score and five landmarks (left eye, right eye, nose tip, left and right
/// mouth corners; "left" as seen in the image, the smaller x), in the pixel coordinates of the image given
/// to the detector.
/// </summary>
public sealed record DetectedFace
{
    /// <summary>Creates a face.</summary>
    /// <param name="box">The face box.</param>
    /// <param name="score">The face probability, 0..1.</param>
    /// <param name="landmarks">Exactly five points.</param>
    public DetectedFace(FaceBox box, float score, IReadOnlyList<FacePoint> landmarks)
    {
        ArgumentNullException.ThrowIfNull(landmarks);
        if (landmarks.Count != LandmarkCount)
        {
            throw new ArgumentException($"A face has {LandmarkCount} landmarks; got {landmarks.Count}.", nameof(landmarks));
        }

        Box = box;
        Score = score;
        Landmarks = landmarks;
    }

    /// <summary>The number of landmarks.</summary>
    public const int LandmarkCount = 5;

    /// <summary>The face box.</summary>
    public FaceBox Box { get; }

    /// <summary>The face probability, 0..1.</summary>
    public float Score { get; }

    /// <summary>Left eye, right eye, nose tip, left mouth corner, right mouth corner.</summary>
    public IReadOnlyList<FacePoint> Landmarks { get; }

    /// <summary>This face with every coordinate divided by per-axis factors (detection pixels to source pixels).</summary>
    internal DetectedFace Unscaled(double scaleX, double scaleY)
    {
        float X(float x) => (float)(x / scaleX);
        float Y(float y) => (float)(y / scaleY);
        return new DetectedFace(
            new FaceBox(X(Box.X1), Y(Box.Y1), X(Box.X2), Y(Box.Y2)),
            Score,
            [.. Landmarks.Select(p => new FacePoint(X(p.X), Y(p.Y)))]);
    }
}
