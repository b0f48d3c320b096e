using System.Globalization;
using KappaFace.MLNet.Trainer.Backbones;
using KappaFace.MLNet.Trainer.Heads;
using KappaFace.MLNet.Trainer.Training;
using KappaFace.MLNet.Data;

// Training-step time of the real backbones: batch B, S x S, a margin head over C classes, SGD.
// Usage: dotnet run -c Release --project benchmarks/TrainingThroughput -- [backbone ...] [--batch 64]
//        [--size 112] [--classes 1000] [--steps 12] [--loss kappaface|arcface]
// The first two steps are warm-up and not counted; the median step is reported because CPU timings here
// vary several-fold between runs (compare ratios within one run, not numbers across runs).
var backbones = new List<BackboneKind>();
int batch = 64, size = 112, classes = 1000, steps = 12;
var loss = MarginLossKind.KappaFace;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--batch": batch = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--size": size = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--classes": classes = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--steps": steps = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--loss": loss = Enum.Parse<MarginLossKind>(args[++i], ignoreCase: true); break;
        default: backbones.Add(BackboneFactory.Parse(args[i])); break;
    }
}
if (backbones.Count == 0)
{
    backbones.AddRange([BackboneKind.MobileFaceNet, BackboneKind.IResNet50]);
}

// Random pixels are as good as faces for timing; one epoch holds exactly the measured steps.
int images = batch * (steps + 2);
var random = new Random(1);
var pixels = new byte[images * 3 * size * size];
random.NextBytes(pixels);
var labels = Enumerable.Range(0, images).Select(i => i % classes).ToArray();
var names = Enumerable.Range(0, Math.Min(classes, images)).Select(c => $"c{c}").ToArray();
var data = FaceImageSet.FromPixels(size, pixels, labels, names);

Console.WriteLine($"threads={TorchSharp.torch.get_num_threads()} batch={batch} size={size} classes={names.Length} loss={loss}");
Console.WriteLine($"{"backbone",-14} {"median s/step",14} {"best s/step",12} {"images/s",9}");
foreach (var kind in backbones)
{
    var times = new List<double>();
    TimeSpan last = TimeSpan.Zero;
    var progress = new StepTimer(p =>
    {
        times.Add((p.Elapsed - last).TotalSeconds);
        last = p.Elapsed;
    });
    var options = new FaceTrainerOptions
    {
        Backbone = kind, ImageSize = size, BatchSize = batch, Epochs = 1, Device = "cpu",
        Margin = new MarginOptions { Loss = loss },
    };
    new FaceModelTrainer(options).Train(data, progress: progress).Backbone.Dispose();
    var measured = times.Skip(2).Order().ToArray();
    double median = measured[measured.Length / 2];
    Console.WriteLine($"{BackboneFactory.NameOf(kind),-14} {median,14:F3} {measured[0],12:F3} {batch / median,9:F1}");
}

internal sealed class StepTimer(Action<TrainingProgress> onStep) : IProgress<TrainingProgress>
{
    public void Report(TrainingProgress value) => onStep(value);
}
