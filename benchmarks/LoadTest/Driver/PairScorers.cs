using KappaFace.MLNet.Onnx;
using KappaFace.MLNet.Transforms.Evaluation;
using Microsoft.ML;

namespace KappaFace.MLNet.LoadTesting;

/// <summary>The serving paths under test, each as a <see cref="PairScorer"/>.</summary>
internal static class PairScorers
{
    /// <summary>One <see cref="FaceEmbedder"/> for all threads: both images in one call, then the cosine.</summary>
    public static PairScorer SharedEmbedder(FaceEmbedder embedder, LoadWorkload workload) => pair =>
    {
        var (a, b) = workload.Pair(pair);
        var embeddings = embedder.Embed([a, b]);
        return CosineSimilarity.Compute(embeddings.GetEmbedding(0), embeddings.GetEmbedding(1));
    };

    /// <summary>A thread's own prediction engine.</summary>
    public static PairScorer Engine(PredictionEngine<PixelPair, PairScore> engine, LoadWorkload workload) =>
        pair => engine.Predict(PixelPair.Of(workload, pair)).Score;

    /// <summary>Engines borrowed from a shared pool.</summary>
    public static PairScorer Pooled(PredictionEnginePool<PixelPair, PairScore> pool, LoadWorkload workload) =>
        pair => pool.Predict(PixelPair.Of(workload, pair)).Score;

    /// <summary>Every pair's score, one at a time on the calling thread: the reference for the concurrent runs.</summary>
    public static float[] SingleThreaded(PairScorer scorer, LoadWorkload workload) =>
        [.. Enumerable.Range(0, workload.Pairs.Count).Select(p => scorer(p))];
}
