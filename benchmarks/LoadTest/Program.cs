using System.Globalization;
using KappaFace.MLNet.Benchmarks.LoadTest;
using KappaFace.MLNet.LoadTesting;
using KappaFace.MLNet.Onnx;
using KappaFace.MLNet.Trainer.Backbones;
using KappaFace.MLNet.Trainer.Export;
using KappaFace.MLNet.Trainer.Platform;
using Microsoft.ML;

// Verification under concurrent use (docs/reliability.md): N threads x M pairs through one shared FaceEmbedder,
// through one ML.NET PredictionEngine per thread and through a pool of engines; then resident memory across
// E embeddings (sampled every 10k) for the shared embedder and the pool.
// Usage: dotnet run -c Release --project benchmarks/LoadTest -- [--threads 4] [--pairs 500] [--embeddings 100000]
//        [--backbone tiny] [--size 64] [--embedding-size 512] [--model M.onnx]
// Without --model an untrained backbone is exported (weights do not change the cost). A pair is two embeddings
// and a cosine. Every score must equal the single-threaded score bit for bit and no call may throw; the exit
// code is 2 otherwise. Timings on this shared machine drift: compare rows of one run, and note the load.
int threads = 4, pairsPerThread = 500, embeddings = 100_000, size = 64, embeddingSize = 512;
const int SampleEvery = 10_000, WarmUpEmbeddings = 20_000;
var backbone = BackboneKind.Tiny;
string? modelPath = null;
for (int i = 0; i < args.Length; i++)
{
    int Next() => int.Parse(args[++i], CultureInfo.InvariantCulture);
    switch (args[i])
    {
        case "--threads": threads = Next(); break;
        case "--pairs": pairsPerThread = Next(); break;
        case "--embeddings": embeddings = Next(); break;
        case "--size": size = Next(); break;
        case "--embedding-size": embeddingSize = Next(); break;
        case "--backbone": backbone = BackboneFactory.Parse(args[++i]); break;
        case "--model": modelPath = args[++i]; break;
        default: throw new ArgumentException($"Unknown argument '{args[i]}'.");
    }
}

string? exported = null;
if (modelPath is null)
{
    exported = Path.Combine(Path.GetTempPath(), $"kappaface-load-{Guid.NewGuid():N}.onnx");
    TorchSharp.torch.manual_seed(1);
    using var net = BackboneFactory.Create(backbone, size, embeddingSize);
    net.eval();
    OnnxExporter.Export(net, ModelCardAssembler.ForBackbone(net), exported);
    modelPath = exported;
}

try
{
    using var embedder = FaceEmbedder.Open(modelPath, new FaceEmbedderOptions { ExecutionProvider = "cpu" });
    size = embedder.InputSize;
    var workload = LoadWorkload.Create(size, imageCount: 64, pairCount: 256, seed: 1);
    using var pipeline = new PairScoringPipeline(new MLContext(seed: 1), modelPath, size);
    using var pool = new PredictionEnginePool<PixelPair, PairScore>(pipeline.CreateEngine);
    var perThread = new List<PredictionEngine<PixelPair, PairScore>>();
    PredictionEngine<PixelPair, PairScore> EngineFor(int thread)
    {
        lock (perThread)
        {
            while (perThread.Count <= thread)
            {
                perThread.Add(pipeline.CreateEngine());
            }
            return perThread[thread];
        }
    }

    var embedderScorer = PairScorers.SharedEmbedder(embedder, workload);
    var poolScorer = PairScorers.Pooled(pool, workload);
    var modes = new (string Name, int Threads, Func<int, PairScorer> ScorerFor, float[] Expected)[]
    {
        ("FaceEmbedder, 1 thread (baseline)", 1, _ => embedderScorer, PairScorers.SingleThreaded(embedderScorer, workload)),
        ("FaceEmbedder, shared", threads, _ => embedderScorer, PairScorers.SingleThreaded(embedderScorer, workload)),
        ("PredictionEngine per thread", threads, t => PairScorers.Engine(EngineFor(t), workload),
            PairScorers.SingleThreaded(PairScorers.Engine(EngineFor(0), workload), workload)),
        ("PredictionEngine pool", threads, _ => poolScorer, PairScorers.SingleThreaded(poolScorer, workload)),
    };

    bool clean = true;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"model {(exported is null ? Path.GetFileName(modelPath) : BackboneFactory.NameOf(backbone) + " (untrained)")} {size}x{size}, D={embedder.EmbeddingSize}, " +
        $"{Environment.ProcessorCount} cores, load average {File.ReadAllText("/proc/loadavg").Trim()}"));
    Console.WriteLine();
    Console.WriteLine("| mode | threads | pairs | errors | score mismatches | pairs/s | p50 ms | p90 ms | p99 ms | max ms |");
    Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    foreach (var mode in modes)
    {
        // Warm-up: JIT, ORT arenas, per-thread engines.
        ConcurrentLoad.Run(mode.Threads, 5, mode.ScorerFor, mode.Expected);
        var r = ConcurrentLoad.Run(mode.Threads, pairsPerThread, mode.ScorerFor, mode.Expected);
        clean &= Report(r);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {mode.Name} | {r.Threads} | {r.Calls} | {r.Errors} | {r.Mismatches} | {r.PairsPerSecond:F1} | {r.Percentile(50):F2} | {r.Percentile(90):F2} | {r.Percentile(99):F2} | {r.Percentile(100):F2} |"));
    }
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"\npool engines created: {pool.Created} (threads: {threads})"));

    if (embeddings > 0)
    {
        Console.WriteLine();
        Console.WriteLine($"Resident memory (VmRSS, MB) every {SampleEvery} embeddings; managed heap after a full GC in brackets.");
        Console.WriteLine();
        Console.WriteLine("| mode | " + string.Join(" | ", Enumerable.Range(0, (embeddings / SampleEvery) + 1).Select(k => $"{k * SampleEvery / 1000}k")) +
            $" | slope after {WarmUpEmbeddings / 1000}k (MB per 10k) |");
        Console.WriteLine("|---|" + string.Concat(Enumerable.Repeat("---:|", (embeddings / SampleEvery) + 2)));
        foreach (var mode in modes.Where(m => m.Threads == threads && m.Name != "PredictionEngine per thread"))
        {
            var (row, ok) = MemoryRow(mode.Name, mode.ScorerFor, mode.Expected);
            clean &= ok;
            Console.WriteLine(row);
        }
    }

    foreach (var engine in perThread)
    {
        engine.Dispose();
    }
    Console.WriteLine(clean ? "\nall calls succeeded with single-threaded scores: PASS" : "\nerrors or mismatches: FAIL");
    return clean ? 0 : 2;
}
finally
{
    if (exported is not null)
    {
        File.Delete(exported);
    }
}

// Embeds in chunks of SampleEvery (SampleEvery / 2 pairs over all threads) and samples memory after each chunk.
(string Row, bool Clean) MemoryRow(string name, Func<int, PairScorer> scorerFor, float[] expected)
{
    var x = new List<double>();
    var rss = new List<double>();
    var cells = new List<string>();
    bool clean = true;
    for (int done = 0; ; done += SampleEvery)
    {
        long managed = GC.GetTotalMemory(forceFullCollection: true);
        double resident = (ProcessMemory.ResidentBytes() ?? 0) / 1048576.0;
        cells.Add(string.Create(CultureInfo.InvariantCulture, $"{resident:F0} ({managed / 1048576.0:F0})"));
        if (done >= WarmUpEmbeddings)
        {
            x.Add(done / (double)SampleEvery);
            rss.Add(resident);
        }
        if (done + SampleEvery > embeddings)
        {
            break;
        }
        clean &= Report(ConcurrentLoad.Run(threads, SampleEvery / 2 / threads, scorerFor, expected));
    }
    string slope = x.Count >= 2 ? LeastSquares.Slope(x, rss).ToString("+0.00;-0.00", CultureInfo.InvariantCulture) : "n/a";
    return ($"| {name} | {string.Join(" | ", cells)} | {slope} |", clean);
}

static bool Report(LoadRunResult result)
{
    foreach (string error in result.FirstErrors)
    {
        Console.Error.WriteLine(error);
    }
    return result.Errors == 0 && result.Mismatches == 0;
}
