using KappaFace.MLNet.LoadTesting;
using KappaFace.MLNet.Onnx;
using KappaFace.MLNet.Tests.Shared;
using KappaFace.MLNet.Transforms.Tests.Support;
using Microsoft.ML;
using Xunit;
using Xunit.Abstractions;

namespace KappaFace.MLNet.Transforms.Tests.Scoring;

/// <summary>
/// The short, correctness-only version of benchmarks/LoadTest: 4 threads x 50 pairs through one shared
/// <see cref="FaceEmbedder"/>, through one <see cref="PredictionEngine{TSrc, TDst}"/> per thread and through a
/// pool of engines. No call may throw and every score must equal the single-threaded score bit for bit.
/// Latencies are printed, never asserted.
/// </summary>
public sealed class PredictionEngineLoadTests : IDisposable
{
    private const int Threads = 4;
    private const int PairsPerThread = 50;
    private readonly TempFolder _folder = new();
    private readonly ITestOutputHelper _output;
    private readonly ConvModel _network = ConvModel.Create(inputSize: 32, embeddingSize: 8);
    private readonly LoadWorkload _workload;
    private readonly string _modelPath;

    public PredictionEngineLoadTests(ITestOutputHelper output)
    {
        _output = output;
        _modelPath = _network.Save(_folder.Path);
        _workload = LoadWorkload.Create(_network.InputSize, imageCount: 20, pairCount: PairsPerThread, seed: 3);
    }

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void One_FaceEmbedder_shared_by_four_threads_gives_the_single_threaded_scores()
    {
        using var embedder = FaceEmbedder.Open(_modelPath, new FaceEmbedderOptions { ExecutionProvider = "cpu" });
        var scorer = PairScorers.SharedEmbedder(embedder, _workload);
        float[] expected = PairScorers.SingleThreaded(scorer, _workload);

        var result = ConcurrentLoad.Run(Threads, PairsPerThread, _ => scorer, expected);

        AssertClean(result, expected);
    }

    [Fact]
    public void One_PredictionEngine_per_thread_gives_the_single_threaded_scores()
    {
        using var pipeline = new PairScoringPipeline(new MLContext(seed: 1), _modelPath, _network.InputSize);
        float[] expected;
        using (var engine = pipeline.CreateEngine())
        {
            expected = PairScorers.SingleThreaded(PairScorers.Engine(engine, _workload), _workload);
        }
        AssertMatchesTheEmbedderPath(expected);
        var engines = new PredictionEngine<PixelPair, PairScore>[Threads];

        try
        {
            var result = ConcurrentLoad.Run(Threads, PairsPerThread, t => PairScorers.Engine(engines[t] = pipeline.CreateEngine(), _workload), expected);
            AssertClean(result, expected);
        }
        finally
        {
            foreach (var engine in engines)
            {
                engine?.Dispose();
            }
        }
    }

    [Fact]
    public void A_pool_of_PredictionEngines_gives_the_single_threaded_scores_with_at_most_one_engine_per_thread()
    {
        using var pipeline = new PairScoringPipeline(new MLContext(seed: 1), _modelPath, _network.InputSize);
        using var pool = new PredictionEnginePool<PixelPair, PairScore>(pipeline.CreateEngine);
        var scorer = PairScorers.Pooled(pool, _workload);
        float[] expected = PairScorers.SingleThreaded(scorer, _workload);
        Assert.Equal(1, pool.Created);

        var result = ConcurrentLoad.Run(Threads, PairsPerThread, _ => scorer, expected);

        AssertClean(result, expected);
        Assert.InRange(pool.Created, 1, Threads);
    }

    [Fact]
    public void Disposing_one_engine_leaves_the_shared_model_usable_by_the_others()
    {
        // ML.NET's default (OwnsTransformer = true) would dispose the ONNX sessions here.
        using var pipeline = new PairScoringPipeline(new MLContext(seed: 1), _modelPath, _network.InputSize);
        using var kept = pipeline.CreateEngine();
        float before = kept.Predict(PixelPair.Of(_workload, 0)).Score;
        pipeline.CreateEngine().Dispose();

        Assert.Equal(before, kept.Predict(PixelPair.Of(_workload, 0)).Score);
    }

    [Fact]
    public void A_wrong_score_and_a_throwing_call_are_counted()
    {
        // The driver itself must be able to fail: a scorer that is off for one pair and throws for another.
        float[] expected = [.. Enumerable.Range(0, 10).Select(p => p / 10f)];
        var result = ConcurrentLoad.Run(2, 10, _ => pair => pair switch
        {
            3 => MathF.BitIncrement(expected[3]),
            7 => throw new InvalidOperationException("boom"),
            _ => expected[pair],
        }, expected);

        Assert.Equal((20, 2, 2), (result.Calls, result.Mismatches, result.Errors));
        Assert.Contains(result.FirstErrors, e => e.Contains("pair 7", StringComparison.Ordinal) && e.Contains("boom", StringComparison.Ordinal));
        Assert.Equal(20, result.SortedLatenciesMs.Count);
    }

    /// <summary>The ML.NET pipeline's reference scores agree with the raw embedder + cosine (another code path).</summary>
    private void AssertMatchesTheEmbedderPath(float[] scores)
    {
        using var embedder = FaceEmbedder.Open(_modelPath, new FaceEmbedderOptions { ExecutionProvider = "cpu" });
        float[] direct = PairScorers.SingleThreaded(PairScorers.SharedEmbedder(embedder, _workload), _workload);
        Assert.All(Enumerable.Range(0, scores.Length), p => Assert.Equal(direct[p], scores[p], 5));
    }

    private void AssertClean(LoadRunResult result, float[] expected)
    {
        _output.WriteLine($"{result.Calls} calls, {result.PairsPerSecond:F0} pairs/s, p50 {result.Percentile(50):F2} ms, p99 {result.Percentile(99):F2} ms, max {result.Percentile(100):F2} ms");
        Assert.True(result.Errors == 0, string.Join("\n", result.FirstErrors));
        Assert.Equal(0, result.Mismatches);
        Assert.Equal(Threads * PairsPerThread, result.Calls);
        Assert.Equal(result.Calls, result.SortedLatenciesMs.Count);
        // Distinct scores: a constant output would make "equal to single-threaded" meaningless.
        Assert.True(expected.Distinct().Count() > expected.Length / 2, "the workload's scores are degenerate");
    }
}
