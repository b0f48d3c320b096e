using KappaFace.MLNet.Data.Embedding;

namespace KappaFace.MLNet.Transforms.Evaluation;

/// <summary>The decision on one pair of images.</summary>
/// <param name="Score">The cosine similarity of their embeddings, in [-1, 1].</param>
/// <param name="Threshold">The threshold applied.</param>
/// <param name="Same">True (same person) iff <see cref="Score"/> &gt;= (float)<see cref="Threshold"/>.</param>
public sealed record VerificationResult(float Score, double Threshold, bool Same);

/// <summary>
/// Are two face images the same person? Score = cosine similarity of their embeddings; same iff
/// <c>Score &gt;= (float)threshold</c>, the rule of the evaluator, of calibration and of <c>ScoreFacePairs</c>
/// (a calibrated threshold is the float value the scores are compared with).
/// </summary>
public static class FaceVerification
{
    /// <summary>Embeds both images (one batch) and decides.</summary>
    /// <param name="embedder">The embedder.</param>
    /// <param name="imageA">The first image file.</param>
    /// <param name="imageB">The second image file.</param>
    /// <param name="threshold">The decision threshold on the cosine score (finite).</param>
    /// <param name="cancellationToken">Stops the embedding.</param>
    /// <returns>Score, threshold and decision.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The threshold is not finite.</exception>
    public static VerificationResult Verify(IFaceEmbedder embedder, string imageA, string imageB, double threshold, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(embedder);
        if (!double.IsFinite(threshold))
        {
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "The threshold must be a finite number.");
        }

        var embeddings = embedder.Embed([imageA, imageB], cancellationToken);
        float score = CosineSimilarity.Compute(embeddings.GetEmbedding(0), embeddings.GetEmbedding(1));
        return new VerificationResult(score, threshold, IsSame(score, threshold));
    }

    /// <summary>The decision rule: <c>score &gt;= (float)threshold</c>.</summary>
    public static bool IsSame(float score, double threshold) => score >= (float)threshold;
}
