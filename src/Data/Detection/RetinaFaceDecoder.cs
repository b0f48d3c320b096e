namespace KappaFace.MLNet.Data.Detection;

/// <summary>
/// Turns the raw outputs of a RetinaFace-format model for one image into faces: score threshold, box and
/// landmark decoding relative to the priors (<see cref="RetinaFaceLayout"/>), then non-maximum suppression.
/// </summary>
public static class RetinaFaceDecoder
{
    /// <summary>Decodes one image's outputs into faces in the pixel coordinates of the model input, best score first.</summary>
    /// <param name="loc">P x 4 box offsets.</param>
    /// <param name="conf">P x 2 probabilities (column 1: face).</param>
    /// <param name="landmarks">P x 10 landmark offsets.</param>
    /// <param name="height">Input height H.</param>
    /// <param name="width">Input width W.</param>
    /// <param name="minScore">Priors scoring below this are dropped.</param>
    /// <param name="nmsThreshold">A face overlapping a better one by more than this IoU is dropped.</param>
    /// <returns>The faces kept.</returns>
    public static IReadOnlyList<DetectedFace> Decode(
        ReadOnlySpan<float> loc, ReadOnlySpan<float> conf, ReadOnlySpan<float> landmarks, int height, int width, float minScore, float nmsThreshold) =>
        Decode(loc, conf, landmarks, RetinaFaceLayout.Priors(height, width), height, width, minScore, nmsThreshold);

    /// <summary>
    /// As <see cref="Decode(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, int, int, float, float)"/>, with the
    /// priors of the input size given, so a batch of images of one size builds its prior grid once.
    /// </summary>
    internal static IReadOnlyList<DetectedFace> Decode(
        ReadOnlySpan<float> loc, ReadOnlySpan<float> conf, ReadOnlySpan<float> landmarks, float[] priors, int height, int width, float minScore, float nmsThreshold)
    {
        int count = priors.Length / 4;
        if (loc.Length != 4 * count || conf.Length != 2 * count || landmarks.Length != 10 * count)
        {
            throw new ArgumentException(
                $"A {width}x{height} input has {count} priors: expected {4 * count} loc, {2 * count} conf and {10 * count} landms values; "
                + $"got {loc.Length}, {conf.Length} and {landmarks.Length}.");
        }

        var candidates = new List<DetectedFace>();
        for (int p = 0; p < count; p++)
        {
            float score = conf[(2 * p) + 1];
            if (score < minScore || float.IsNaN(score))
            {
                continue;
            }

            candidates.Add(DecodePrior(priors.AsSpan(4 * p, 4), loc.Slice(4 * p, 4), landmarks.Slice(10 * p, 10), score, width, height));
        }

        return NonMaximumSuppression.Apply(candidates, nmsThreshold);
    }

    private static DetectedFace DecodePrior(ReadOnlySpan<float> prior, ReadOnlySpan<float> loc, ReadOnlySpan<float> landmarks, float score, int width, int height)
    {
        float cx = prior[0], cy = prior[1], pw = prior[2], ph = prior[3];
        const float cv = RetinaFaceLayout.CentreVariance;
        float boxX = cx + (cv * loc[0] * pw);
        float boxY = cy + (cv * loc[1] * ph);
        float boxW = pw * MathF.Exp(RetinaFaceLayout.SizeVariance * loc[2]);
        float boxH = ph * MathF.Exp(RetinaFaceLayout.SizeVariance * loc[3]);
        var box = new FaceBox((boxX - (boxW / 2)) * width, (boxY - (boxH / 2)) * height, (boxX + (boxW / 2)) * width, (boxY + (boxH / 2)) * height);
        var points = new FacePoint[DetectedFace.LandmarkCount];
        for (int k = 0; k < points.Length; k++)
        {
            points[k] = new FacePoint((cx + (cv * landmarks[2 * k] * pw)) * width, (cy + (cv * landmarks[(2 * k) + 1] * ph)) * height);
        }

        return new DetectedFace(box, score, points);
    }
}

/// <summary>Greedy non-maximum suppression: keep the best face, drop those overlapping it, repeat.</summary>
public static class NonMaximumSuppression
{
    /// <summary>The faces kept, best score first (ties keep their input order).</summary>
    /// <param name="faces">Candidates.</param>
    /// <param name="iouThreshold">A candidate whose IoU with a kept face exceeds this is dropped.</param>
    public static IReadOnlyList<DetectedFace> Apply(IEnumerable<DetectedFace> faces, float iouThreshold)
    {
        ArgumentNullException.ThrowIfNull(faces);
        var ordered = faces.OrderByDescending(f => f.Score).ToList();
        var kept = new List<DetectedFace>();
        foreach (var face in ordered)
        {
            if (kept.TrueForAll(k => k.Box.IntersectionOverUnion(face.Box) <= iouThreshold))
            {
                kept.Add(face);
            }
        }

        return kept;
    }
}
