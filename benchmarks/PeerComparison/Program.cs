using System.Globalization;
using System.Text.Json;
using KappaFace.MLNet.Benchmarks.PeerComparison;
using KappaFace.MLNet.Trainer.Platform;

// Training speed of our backbones against the same networks in PyTorch (benchmarks/peer), in one run:
// contenders alternate within each round so that background load hits all of them alike.
// Ours runs three ways: the trainer called on the process's first thread ("ours", the old benchmarks' shortcut),
// the ML.NET estimator's Fit from a thread-pool thread ("ours-estimator") and the `kappaface train` command as a
// child process ("ours-cli"; build src/Cli in Release first or pass --cli).
// Usage: dotnet run -c Release --project benchmarks/PeerComparison -- [--backbones mobilefacenet,iresnet50]
//        [--rounds 2] [--warmup 2] [--steps 4] [--batch 64] [--size 112] [--classes 1000] [--threads N]
//        [--untuned] [--contenders ours-cli,pytorch,...] [--cli PATH] [--python /usr/bin/python3] [--peer-dir DIR] [--json FILE]
// Training FLOPs per image = 3 x forward FLOPs (backward costs about twice the forward), the forward counted
// by describe.py over every convolution and linear layer, plus the head's B x D x C matmul.
var settings = BenchmarkSettings.Parse(args);
if (settings.ChildMatmul || settings.ChildBackbone is not null || settings.ChildEstimatorBackbone is not null)
{
    // A child of the untuned or estimator contender: one measurement, printed as JSON.
    var trainer = new OurTrainer(settings);
    Console.WriteLine(settings.ChildMatmul ? JsonSerializer.Serialize(new { gflops = trainer.MatmulGflops() })
        : settings.ChildBackbone is { } backbone ? JsonSerializer.Serialize(trainer.Train(backbone))
        : JsonSerializer.Serialize(trainer.TrainWithEstimator(settings.ChildEstimatorBackbone!)));
    return 0;
}

if (GlibcAllocatorTuning.TryApply() is { } reason)
{
    Console.Error.WriteLine($"Allocator tuning not applied: {reason}.");
}
var scripts = PeerScripts.Locate(settings);
var ours = new OursInProcess(settings);
double ourMatmul = ours.MatmulGflops();
var contenders = new List<IContender> { ours, new OursEstimatorChild(settings, ourMatmul) };
if (settings.LocateCli() is { } cli)
{
    contenders.Add(new OursCli(ours.Trainer, cli, ourMatmul));
}
else
{
    Console.Error.WriteLine("kappaface not found (build src/Cli or pass --cli): the command-line contender is left out.");
}
contenders.AddRange(
[
    new PythonPeer(settings, scripts, "pytorch", "Debian python3-torch, MALLOC_*_THRESHOLD_=1 GiB, Debian's default (reference) BLAS", PythonPeer.AllocatorTuning),
]);
if (File.Exists(Path.Combine(PythonPeer.OpenBlasDirectory, "libblas.so.3")))
{
    contenders.Add(new PythonPeer(settings, scripts, "pytorch-openblas", "as pytorch, with OpenBLAS (libopenblas0-pthread) via LD_LIBRARY_PATH",
        new Dictionary<string, string?>(PythonPeer.AllocatorTuning) { ["LD_LIBRARY_PATH"] = PythonPeer.OpenBlasDirectory }));
}
if (settings.Untuned)
{
    contenders.Add(new OursUntunedChild(settings));
    contenders.Add(new PythonPeer(settings, scripts, "pytorch-untuned", "Debian python3-torch, glibc malloc defaults", new Dictionary<string, string?>()));
}
if (settings.Contenders is { } wanted)
{
    // "ours" stays: it is the reference every ratio is taken against.
    contenders.RemoveAll(c => c != ours && !wanted.Contains(c.Name));
}

Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"batch={settings.Batch} size={settings.Size} D={settings.Embedding} KappaFace head with {settings.Classes} classes, threads={settings.Threads}, warm-up {settings.Warmup} + {settings.Steps} timed steps x {settings.Rounds} rounds"));
var matmul = contenders.ToDictionary(c => c.Name, c => c.MatmulGflops());
Console.WriteLine("matmul GFLOP/s: " + string.Join(", ", matmul.Select(m => string.Create(CultureInfo.InvariantCulture, $"{m.Key} {m.Value:F1}"))));
var flops = settings.Backbones.ToDictionary(b => b,
    b => 3 * (scripts.ForwardFlops(b, settings.Size, settings.Embedding) + 2.0 * settings.Embedding * settings.Classes));
var rounds = new Dictionary<(string Backbone, string Contender), List<StepTimes>>();
for (int round = 1; round <= settings.Rounds; round++)
{
    foreach (var backbone in settings.Backbones)
    {
        foreach (var contender in contenders)
        {
            var times = contender.Train(backbone);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"round {round} {backbone,-14} {contender.Name,-17} {times.MedianImagesPerSecond,7:F1} images/s median, {times.MeanImagesPerSecond:F1} mean (best {times.BestImagesPerSecond:F1}); load {File.ReadAllText("/proc/loadavg").Trim()}"));
            if (!rounds.TryGetValue((backbone, contender.Name), out var list))
            {
                rounds[(backbone, contender.Name)] = list = [];
            }
            list.Add(times);
        }
    }
}

var results = rounds.Select(r => new ContenderResult(r.Key.Backbone, r.Key.Contender, StepTimes.Merge(r.Value), flops[r.Key.Backbone], matmul[r.Key.Contender])).ToList();
Console.WriteLine();
Console.WriteLine(ComparisonReport.Markdown(results, contenders, "pytorch"));
Console.WriteLine(string.Join(", ", flops.Select(f => string.Create(CultureInfo.InvariantCulture, $"{f.Key}: {f.Value / 1e9:F2} training GFLOP/image"))));
double assembly = ours.AssemblyImagesPerSecond();
double fastestOurs = results.Where(r => r.Contender == ours.Name).Max(r => r.Times.MedianImagesPerSecond);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"Batch assembly (prefetcher work, one thread): {assembly:F0} images/s = {assembly / fastestOurs:F0}x our fastest training rate above."));
if (settings.JsonPath is { } path)
{
    File.WriteAllText(path, JsonSerializer.Serialize(new { settings, matmul, flops, results, assembly }, new JsonSerializerOptions { WriteIndented = true }));
}
return 0;
