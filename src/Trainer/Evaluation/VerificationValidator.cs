using KappaFace.MLNet.Trainer.Backbones;
using KappaFace.MLNet.Data;
using KappaFace.MLNet.Transforms.Evaluation;
using static TorchSharp.torch;

namespace KappaFace.MLNet.Trainer.Evaluation;

/// <summary>
/// Verification accuracy of a backbone on held-out identities: a fixed, seeded set of balanced pairs,
/// cosine scores, and k-fold accuracy with thresholds chosen on the other folds (docs/verification.md).
/// </summary>
public sealed class VerificationValidator
{
    private readonly FaceImageSet _images;
    private readonly IReadOnlyList<FacePair> _pairs;
    private readonly int _seed;

    /// <summary>
    /// Draws <paramref name="pairCount"/> balanced pairs from <paramref name="images"/> once, or as many as the
    /// identities allow when they allow fewer (small held-out sets have few same-identity pairs).
    /// </summary>
    public VerificationValidator(FaceImageSet images, int pairCount, int seed)
    {
        ArgumentNullException.ThrowIfNull(images);
        _images = images;
        _seed = seed;
        _pairs = PairGenerator.Balanced(images.Labels, Math.Min(pairCount, MaxBalancedPairs(images)), seed);
    }

    private static int MaxBalancedPairs(FaceImageSet images)
    {
        long[] counts = images.ClassCounts();
        long same = counts.Sum(n => n * (n - 1) / 2);
        long all = (long)images.Count * (images.Count - 1) / 2;
        return (int)Math.Min(int.MaxValue, 2 * Math.Min(same, all - same));
    }

    /// <summary>The pairs scored.</summary>
    public IReadOnlyList<FacePair> Pairs => _pairs;

    /// <summary>Full verification metrics of <paramref name="backbone"/> on the pairs.</summary>
    public VerificationMetrics Evaluate(FaceBackbone backbone, Device device)
    {
        ArgumentNullException.ThrowIfNull(backbone);
        float[] embeddings = TorchEmbedder.Embed(backbone, _images, device);
        float[] scores = CosineSimilarity.ScorePairs(embeddings, backbone.EmbeddingSize, _pairs);
        bool[] same = _pairs.Select(p => p.Same).ToArray();
        return new VerificationEvaluator { Seed = _seed }.Evaluate(scores, same);
    }

    /// <summary>Mean 10-fold verification accuracy of <paramref name="backbone"/>.</summary>
    public double Accuracy(FaceBackbone backbone, Device device) => Evaluate(backbone, device).Accuracy;
}
