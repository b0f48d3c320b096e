using System.Globalization;
using System.Text.Json;
using KappaFace.MLNet.Trainer.Platform;

namespace KappaFace.MLNet.Benchmarks.PeerComparison;

/// <summary>Our trainer in this process, with the library's allocator tuning on (its default).</summary>
internal sealed class OursInProcess(BenchmarkSettings settings) : IContender
{
    public OurTrainer Trainer { get; } = new(settings);

    public string Name => "ours";

    public string Description => $"TorchSharp in-process on the first thread, allocator tuning {(GlibcAllocatorTuning.IsApplied ? "on" : "off")}";

    private double? _matmul;

    public double MatmulGflops() => _matmul ??= Trainer.MatmulGflops();

    public StepTimes Train(string backbone) => Trainer.Train(backbone);

    /// <summary>Images per second one thread assembles, as the trainer's prefetcher does.</summary>
    public double AssemblyImagesPerSecond() => AssemblyRate.ImagesPerSecond(Trainer.Data(), settings.Batch, TimeSpan.FromSeconds(3));
}

/// <summary>Our trainer in a child process of this program with the allocator tuning switched off (it cannot be undone in-process).</summary>
internal sealed class OursUntunedChild(BenchmarkSettings settings) : IContender
{
    private static readonly Dictionary<string, string?> Environment = new() { [GlibcAllocatorTuning.EnvironmentSwitch] = "0" };

    public string Name => "ours-untuned";

    public string Description => $"TorchSharp child process, {GlibcAllocatorTuning.EnvironmentSwitch}=0";

    public double MatmulGflops() => JsonDocument.Parse(SelfChild.Run(settings, ["--child-matmul"], Environment)).RootElement.GetProperty("gflops").GetDouble();

    public StepTimes Train(string backbone) => SelfChild.Times(settings, ["--child-ours", backbone], Environment);
}

/// <summary>The ML.NET estimator's Fit called from a thread-pool thread, in a fresh child process of this program.</summary>
internal sealed class OursEstimatorChild(BenchmarkSettings settings, double matmulGflops) : IContender
{
    public string Name => "ours-estimator";

    public string Description => "ML.NET estimator Fit on a thread-pool thread, child process, allocator tuning on (default)";

    public double MatmulGflops() => matmulGflops;

    public StepTimes Train(string backbone) => SelfChild.Times(settings, ["--child-estimator", backbone], new Dictionary<string, string?>());
}

/// <summary>The <c>kappaface train</c> command as a child process (OurTrainer.TrainWithCli).</summary>
internal sealed class OursCli(OurTrainer trainer, string cli, double matmulGflops) : IContender
{
    public string Name => "ours-cli";

    public string Description => $"`kappaface train` child process ({Path.GetFileName(cli)}), allocator tuning on (default); epoch-average step";

    public double MatmulGflops() => matmulGflops;

    public StepTimes Train(string backbone) => trainer.TrainWithCli(backbone, cli);
}

/// <summary>Runs this program again as a child that measures one thing and prints it as JSON.</summary>
internal static class SelfChild
{
    public static string Run(BenchmarkSettings settings, IEnumerable<string> extra, IReadOnlyDictionary<string, string?> environment)
    {
        string self = System.Environment.ProcessPath ?? throw new InvalidOperationException("The path of this program is unknown.");
        string output = ContenderProcess.Run(self, settings.ChildArguments().Concat(extra), environment, TimeSpan.FromMinutes(60));
        return ContenderProcess.LastJsonLine(output, "the child " + string.Join(' ', extra));
    }

    public static StepTimes Times(BenchmarkSettings settings, IEnumerable<string> extra, IReadOnlyDictionary<string, string?> environment)
        => JsonSerializer.Deserialize<StepTimes>(Run(settings, extra, environment))
           ?? throw new InvalidDataException("The child printed no step times.");
}

/// <summary>The PyTorch peer (benchmarks/peer) in a child process with the given environment.</summary>
internal sealed class PythonPeer(BenchmarkSettings settings, PeerScripts scripts, string name, string description,
    IReadOnlyDictionary<string, string?> environment) : IContender
{
    /// <summary>glibc's thresholds at 1 GiB, what the library's tuning sets with mallopt (docs/benchmarks.md, "Allocator").</summary>
    public static readonly IReadOnlyDictionary<string, string?> AllocatorTuning = new Dictionary<string, string?>
    {
        ["MALLOC_MMAP_THRESHOLD_"] = "1073741824",
        ["MALLOC_TRIM_THRESHOLD_"] = "1073741824",
    };

    /// <summary>Debian's OpenBLAS (libopenblas0-pthread), which torch finds first on this path instead of the reference BLAS.</summary>
    public const string OpenBlasDirectory = "/usr/lib/x86_64-linux-gnu/openblas-pthread";

    public string Name => name;

    public string Description => description;

    public double MatmulGflops()
    {
        string json = scripts.Run("matmul_peak.py", ["--size", Num(settings.MatmulSize), "--threads", Num(settings.Threads)], Environment());
        return JsonDocument.Parse(json).RootElement.GetProperty("gflops").GetDouble();
    }

    public StepTimes Train(string backbone)
    {
        string json = scripts.Run("train_bench.py",
        [
            "--backbone", backbone, "--batch", Num(settings.Batch), "--size", Num(settings.Size),
            "--embedding", Num(settings.Embedding), "--classes", Num(settings.Classes), "--warmup", Num(settings.Warmup),
            "--steps", Num(settings.Steps), "--threads", Num(settings.Threads),
        ], Environment());
        return JsonSerializer.Deserialize<StepTimes>(json) ?? throw new InvalidDataException($"train_bench.py printed no step times: {json}");
    }

    private Dictionary<string, string?> Environment()
    {
        // Same thread count as ours, both for torch.set_num_threads (the script's --threads) and OpenMP.
        var all = new Dictionary<string, string?>(environment)
        {
            ["OMP_NUM_THREADS"] = Num(settings.Threads),
            ["OPENBLAS_NUM_THREADS"] = Num(settings.Threads),
        };
        foreach (var key in AllocatorTuning.Keys)
        {
            all.TryAdd(key, null);
        }
        return all;
    }

    private static string Num(int value) => value.ToString(CultureInfo.InvariantCulture);
}
