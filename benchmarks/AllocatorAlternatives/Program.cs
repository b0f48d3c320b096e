using System.Globalization;
using System.Text.Json;
using KappaFace.MLNet.Tests.Shared;
using KappaFace.MLNet.Trainer.Backbones;
using KappaFace.MLNet.Trainer.Heads;
using KappaFace.MLNet.Trainer.Platform;
using KappaFace.MLNet.Trainer.Training;
using KappaFace.MLNet.Data;

// Which allocator setting makes TorchSharp training fast on the threads users train from (docs/benchmarks.md,
// "Allocator"). Every alternative runs in its own child process (glibc's settings cannot be undone in-process),
// alternating within each round so background load hits all alike.
// Usage: dotnet run -c Release --project benchmarks/AllocatorAlternatives -- [--rounds 2] [--steps 4]
//        [--backbone mobilefacenet] [--batch 64] [--only name,name]
// A child: --child THREAD TUNING  (THREAD main|pool|dedicated|main-arena; TUNING none|library). Settings other than the
// library's own come from glibc's environment variables (MALLOC_MMAP_THRESHOLD_, MALLOC_TRIM_THRESHOLD_,
// MALLOC_ARENA_MAX), which glibc reads at process start, before any thread or allocation.
var argList = args.ToList();
string Option(string name, string fallback)
{
    int i = argList.IndexOf(name);
    return i >= 0 && i + 1 < argList.Count ? argList[i + 1] : fallback;
}
int steps = int.Parse(Option("--steps", "4"), CultureInfo.InvariantCulture);
int batch = int.Parse(Option("--batch", "64"), CultureInfo.InvariantCulture);
string backbone = Option("--backbone", "mobilefacenet");

if (argList.Contains("--child"))
{
    string thread = Option("--child", "main");
    string tuning = argList[argList.IndexOf("--child") + 2];
    var run = new ProbeRun(backbone, batch, steps, tuning == "library");
    Func<ProbeResult> work = run.Train;
    ProbeResult result = thread switch
    {
        "main" => work(),
        "pool" => Task.Run(work).GetAwaiter().GetResult(),
        "dedicated" => OnNewThread(work),
        "main-arena" => Task.Run(() => MainArenaThread.Run(work, Console.Error.WriteLine)).GetAwaiter().GetResult(),
        _ => throw new ArgumentException($"Unknown thread kind '{thread}'."),
    };
    Console.WriteLine(JsonSerializer.Serialize(result));
    return 0;
}

const string jemalloc = "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2";
const string tcmalloc = "/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4";
const string threshold = "1073741824";
Dictionary<string, string?> Thresholds(params (string Name, string Value)[] more)
{
    var environment = new Dictionary<string, string?> { ["MALLOC_MMAP_THRESHOLD_"] = threshold, ["MALLOC_TRIM_THRESHOLD_"] = threshold };
    foreach (var (name, value) in more)
    {
        environment[name] = value;
    }
    return environment;
}
var variants = new List<Variant>
{
    new("main thread, thresholds (the old benchmarks' shortcut)", ["main", "none"], Thresholds()),
    new("pool thread, thresholds (the old library)", ["pool", "none"], Thresholds()),
    new("pool thread, thresholds + M_ARENA_MAX=1 by mallopt before training (a)", ["pool", "library"], []),
    new("pool thread, library + MALLOC_ARENA_MAX=1 from process start (b)", ["pool", "library"], new() { ["MALLOC_ARENA_MAX"] = "1" }),
    new("dedicated new thread after mallopt (d)", ["dedicated", "library"], []),
    new("new thread verified on the main arena, from a pool thread (d')", ["main-arena", "library"], []),
    new("pool thread, MALLOC_ARENA_MAX=1 in the environment (e)", ["pool", "none"], Thresholds(("MALLOC_ARENA_MAX", "1"))),
    new("pool thread, jemalloc preloaded (f)", ["pool", "none"], new() { ["LD_PRELOAD"] = jemalloc }),
    new("pool thread, tcmalloc preloaded (f)", ["pool", "none"], new() { ["LD_PRELOAD"] = tcmalloc }),
};
if (Option("--only", "") is { Length: > 0 } only)
{
    var keep = only.Split(',').Select(int.Parse).ToHashSet();
    variants = variants.Where((_, i) => keep.Contains(i)).ToList();
}
int rounds = int.Parse(Option("--rounds", "2"), CultureInfo.InvariantCulture);
Console.WriteLine($"{backbone} batch {batch}, 2 warm-up + {steps} timed steps per run, {rounds} rounds; load {File.ReadAllText("/proc/loadavg").Trim()}");
var results = variants.ToDictionary(v => v, _ => new List<ProbeResult>());
for (int round = 1; round <= rounds; round++)
{
    foreach (var variant in variants)
    {
        if (variant.Environment.TryGetValue("LD_PRELOAD", out var lib) && !File.Exists(lib))
        {
            continue;
        }
        string self = Environment.ProcessPath!;
        var output = ChildProcess.Run(self, ["--child", .. variant.Arguments, "--steps", steps.ToString(CultureInfo.InvariantCulture),
            "--batch", batch.ToString(CultureInfo.InvariantCulture), "--backbone", backbone], TimeSpan.FromMinutes(30), variant.Environment);
        if (output.ExitCode != 0)
        {
            throw new InvalidOperationException($"{variant.Name}: exit {output.ExitCode}: {output.Stderr}");
        }
        var r = JsonSerializer.Deserialize<ProbeResult>(output.Stdout.Trim().Split('\n')[^1])!;
        results[variant].Add(r);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"round {round}: {r.ImagesPerSecond,6:F1} images/s, {r.MinorFaultsPerStep,8:F0} faults/step, arena {r.Arena,-8} {variant.Name}"));
    }
}
Console.WriteLine();
Console.WriteLine("| alternative | images/s (median of rounds) | vs main thread | minor faults / step | training thread's arena |");
Console.WriteLine("|---|---:|---:|---:|---|");
double reference = Median(results[variants[0]].Select(r => r.ImagesPerSecond));
foreach (var (variant, list) in results.Where(r => r.Value.Count > 0))
{
    double rate = Median(list.Select(r => r.ImagesPerSecond));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {variant.Name} | {rate:F1} | {rate / reference:F2} | {Median(list.Select(r => r.MinorFaultsPerStep)):F0} | {list[^1].Arena} |"));
}
Console.WriteLine($"load at the end: {File.ReadAllText("/proc/loadavg").Trim()}");
return 0;

static double Median(IEnumerable<double> values)
{
    var sorted = values.Order().ToArray();
    return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
}

static T OnNewThread<T>(Func<T> work)
{
    T result = default!;
    var thread = new Thread(() => result = work());
    thread.Start();
    thread.Join();
    return result;
}

/// <summary>One alternative: the child's arguments and environment.</summary>
internal sealed record Variant(string Name, string[] Arguments, Dictionary<string, string?> Environment);

/// <summary>What a child measured: median images/s, minor page faults per timed step, the training thread's arena.</summary>
internal sealed record ProbeResult(double ImagesPerSecond, double MinorFaultsPerStep, string Arena);

/// <summary>A short training run timed per step through the progress callback, which runs on the training thread.</summary>
internal sealed class ProbeRun(string backbone, int batch, int steps, bool tuneAllocator)
{
    private const int Warmup = 2;

    public ProbeResult Train()
    {
        const int size = 112, classes = 100;
        int images = batch * (Warmup + steps + 1);
        var pixels = new byte[(long)images * 3 * size * size];
        new Random(1).NextBytes(pixels);
        var data = FaceImageSet.FromPixels(size, pixels, Enumerable.Range(0, images).Select(i => i % classes).ToArray(),
            Enumerable.Range(0, classes).Select(c => $"c{c}").ToArray());
        var options = new FaceTrainerOptions
        {
            Backbone = BackboneFactory.Parse(backbone), ImageSize = size, BatchSize = batch, Epochs = 1, Device = "cpu",
            LearningRate = 0.01, TuneAllocator = tuneAllocator, Margin = new MarginOptions { Loss = MarginLossKind.KappaFace },
        };
        long faultsAtWarm = 0, faultsAtEnd = 0;
        string arena = "?";
        var timed = StepClock.Time(Warmup, steps, (progress, cancel) =>
            new FaceModelTrainer(options).Train(data, progress: progress, cancellationToken: cancel).Backbone.Dispose(),
            done =>
            {
                if (done == Warmup)
                {
                    faultsAtWarm = Native.MinorFaults();
                    arena = GlibcAllocatorTuning.CurrentThreadUsesMainArena() switch { true => "main", false => "non-main", null => "unknown" };
                }
                if (done == Warmup + steps)
                {
                    faultsAtEnd = Native.MinorFaults();
                }
            }).Order().ToArray();
        double median = timed.Length % 2 == 1 ? timed[timed.Length / 2] : (timed[(timed.Length / 2) - 1] + timed[timed.Length / 2]) / 2;
        return new ProbeResult(batch / median, (faultsAtEnd - faultsAtWarm) / (double)steps, arena);
    }
}

/// <summary>The process's page-fault count.</summary>
internal static class Native
{
    /// <summary>Minor page faults of the whole process so far (field 10 of /proc/self/stat).</summary>
    public static long MinorFaults()
    {
        string stat = File.ReadAllText("/proc/self/stat");
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[7], CultureInfo.InvariantCulture);
    }
}
