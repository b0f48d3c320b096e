using System.Globalization;
using KappaFace.MLNet.Benchmarks.HeadCost;
using KappaFace.MLNet.Trainer.Heads;
using KappaFace.MLNet.Trainer.Platform;

// Cost of KappaFace over ArcFace per training step, at several class counts, in one run: the two heads alternate
// in every round so that background load hits both alike. Reports the full step (a small backbone, so the head
// matters), the head alone (fixed features), KappaFace's per-step bookkeeping, and the memory it holds.
// Usage: dotnet run -c Release --project benchmarks/HeadCost -- [--classes 1000,10000,100000] [--backbone tiny]
//        [--size 48] [--embedding 512] [--batch 64] [--warmup 2] [--steps 8] [--rounds 3] [--images N] [--threads N]
var settings = HeadCostSettings.Parse(args);
GlibcAllocatorTuning.TryApply();
if (settings.Threads is int threads)
{
    TorchSharp.torch.set_num_threads(threads);
}
Console.WriteLine(Invariant($"backbone={settings.Backbone} size={settings.Size} D={settings.Embedding} batch={settings.Batch} threads={TorchSharp.torch.get_num_threads()}, warm-up {settings.Warmup} + {settings.Steps} steps x {settings.Rounds} rounds; median step times"));
Console.WriteLine();
Console.WriteLine("| classes | memory rows N | part | ArcFace ms | KappaFace ms | overhead | KappaFace bookkeeping ms |");
Console.WriteLine("|---:|---:|---|---:|---:|---:|---:|");
var memoryLines = new List<string>();
foreach (int classes in settings.Classes)
{
    using var arc = new HeadRig(settings, MarginLossKind.ArcFace, classes);
    using var kappa = new HeadRig(settings, MarginLossKind.KappaFace, classes);
    foreach (var (part, step) in new (string, Func<HeadRig, int, StepTiming>)[] { ("full step", (r, s) => r.FullStep(s)), ("head alone", (r, s) => r.HeadStep(s)) })
    {
        var arcTimes = new List<StepTiming>();
        var kappaTimes = new List<StepTiming>();
        for (int round = 0; round < settings.Rounds; round++)
        {
            foreach (var (rig, times) in new[] { (arc, arcTimes), (kappa, kappaTimes) })
            {
                for (int s = 0; s < settings.Warmup + settings.Steps; s++)
                {
                    var timing = step(rig, round * (settings.Warmup + settings.Steps) + s);
                    if (s >= settings.Warmup)
                    {
                        times.Add(timing);
                    }
                }
            }
        }
        double arcMs = Median(arcTimes.Select(t => t.Seconds)) * 1e3;
        double kappaMs = Median(kappaTimes.Select(t => t.Seconds)) * 1e3;
        double bookkeepingMs = Median(kappaTimes.Select(t => t.BookkeepingSeconds)) * 1e3;
        Console.WriteLine(Invariant($"| {classes} | {settings.ImagesFor(classes)} | {part} | {arcMs:F1} | {kappaMs:F1} | {kappaMs / arcMs - 1:+0.0%;-0.0%} | {bookkeepingMs:F2} |"));
    }
    var (buffer, centres) = kappa.Bytes;
    memoryLines.Add(Invariant($"| {classes} | {settings.ImagesFor(classes)} | {Mb(buffer)} | {Mb(centres)} | {Mb(3 * centres)} | {kappa.EpochEndSeconds() * 1e3:F1} |"));
}
Console.WriteLine();
Console.WriteLine("| classes | memory rows N | KappaFace memory buffer MB (N x D x 4) | centres MB (C x D x 4) | centres + gradient + SGD momentum MB (per head) | KappaFace epoch end ms |");
Console.WriteLine("|---:|---:|---:|---:|---:|---:|");
memoryLines.ForEach(Console.WriteLine);
return 0;

static double Median(IEnumerable<double> values)
{
    var sorted = values.Order().ToArray();
    return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
}

static string Mb(long bytes) => (bytes / 1e6).ToString("F1", CultureInfo.InvariantCulture);

static string Invariant(FormattableString value) => value.ToString(CultureInfo.InvariantCulture);
