using System.Diagnostics;
using System.Globalization;
using KappaFace.MLNet.Onnx;
using KappaFace.MLNet.Trainer.Backbones;
using KappaFace.MLNet.Trainer.Export;
using KappaFace.MLNet.Trainer.Platform;
using KappaFace.MLNet.Trainer.Training;
using TorchSharp;
using static TorchSharp.torch;

// Inference throughput of an exported model: ONNX Runtime (FaceEmbedder, CPU) against the TorchSharp
// eval-mode forward of the same backbone, in one process, on the same random images.
// Usage: dotnet run -c Release --project benchmarks/OnnxVsTorch -- [backbone ...] [--batches 1,8,32]
//        [--size 112] [--embedding 512] [--seconds 4]
// Both sides do the whole job from raw 0..255 floats to unit embeddings and norms: TorchSharp copies the
// pixels into a tensor, normalises them, runs the backbone and the L2 normalisation; ORT runs the graph
// (whose first nodes normalise). Each (backbone, batch) cell alternates the two runtimes in rounds so a
// burst of load from other processes hits both. Rates come from the median and from the best time per
// batch: on a shared machine other processes only ever slow a run down, so the best is the steadier
// comparison, the median the more typical one.
var backbones = new List<BackboneKind>();
int[] batches = [1, 8, 32];
int size = 112, embedding = 512;
double seconds = 4;
int ortThreads = 0;
bool runTorch = true;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--batches": batches = args[++i].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray(); break;
        case "--size": size = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--embedding": embedding = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--seconds": seconds = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--ort-threads": ortThreads = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--ort-only": runTorch = false; break;
        default: backbones.Add(BackboneFactory.Parse(args[i])); break;
    }
}

if (backbones.Count == 0)
{
    backbones.AddRange([BackboneKind.MobileFaceNet, BackboneKind.IResNet50]);
}

// The same allocator setting the trainer uses (Linux/glibc); it helps both runtimes' large buffers.
string? tuning = GlibcAllocatorTuning.TryApply();
Console.WriteLine($"# cores={Environment.ProcessorCount} torch threads={torch.get_num_threads()} size={size} D={embedding} " +
                  $"seconds/cell/runtime={seconds} allocator tuning={(GlibcAllocatorTuning.IsApplied ? "on" : "off: " + tuning)}");
Console.WriteLine();
Console.WriteLine("| backbone | batch | ORT emb/s (median / best) | TorchSharp emb/s (median / best) | ORT / TorchSharp (median / best) |");
Console.WriteLine("|---|---:|---:|---:|---:|");

string folder = Path.Combine(Path.GetTempPath(), "kappaface-bench-" + Guid.NewGuid().ToString("N"));
Directory.CreateDirectory(folder);
try
{
    foreach (var kind in backbones)
    {
        torch.manual_seed(1);
        using var backbone = BackboneFactory.Create(kind, size, embedding);
        backbone.eval();
        string model = Path.Combine(folder, BackboneFactory.NameOf(kind) + ".onnx");
        OnnxExporter.Export(backbone, model);
        using var embedder = FaceEmbedder.Open(model, new FaceEmbedderOptions { ExecutionProvider = "cpu", MaxBatch = batches.Max(), IntraOpThreads = ortThreads });

        foreach (int batch in batches)
        {
            var random = new Random(batch);
            float[] pixels = Enumerable.Range(0, batch * 3 * size * size).Select(_ => (float)random.Next(256)).ToArray();
            Action ort = () => embedder.Embed(pixels, batch);
            Action torchSharp = () => TorchEmbed(backbone, pixels, batch, size);
            ort();
            if (runTorch)
            {
                torchSharp();
            }

            var ortTimes = new List<double>();
            var torchTimes = new List<double>();
            // Rounds of about a quarter of the budget each, alternating runtimes.
            for (int round = 0; round < 4; round++)
            {
                Measure(ort, seconds / 4, ortTimes);
                if (runTorch)
                {
                    Measure(torchSharp, seconds / 4, torchTimes);
                }
            }

            double ortRate = batch / Median(ortTimes), ortBest = batch / ortTimes.Min();
            double torchRate = runTorch ? batch / Median(torchTimes) : double.NaN;
            double torchBest = runTorch ? batch / torchTimes.Min() : double.NaN;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {BackboneFactory.NameOf(kind)} | {batch} | {ortRate:F1} / {ortBest:F1} | {torchRate:F1} / {torchBest:F1} | " +
                $"{ortRate / torchRate:F2}x / {ortBest / torchBest:F2}x |"));
        }
    }
}
finally
{
    Directory.Delete(folder, recursive: true);
}

static void TorchEmbed(FaceBackbone backbone, float[] pixels, int batch, int size)
{
    using var scope = torch.NewDisposeScope();
    using var noGrad = torch.no_grad();
    Tensor input = torch.tensor(pixels, [batch, 3, size, size])
        .sub_(BatchAssembler.PixelMean).div_(BatchAssembler.PixelScale);
    Tensor raw = backbone.call(input);
    Tensor norms = raw.norm(1, keepdim: true);
    Tensor unit = raw.div(norms);
    // Reading the results back is part of the job, as ORT writes them into managed arrays.
    _ = unit.data<float>().ToArray();
    _ = norms.data<float>().ToArray();
}

static void Measure(Action run, double budgetSeconds, List<double> times)
{
    // At least two runs per round so a slow cell still gets a median over several samples.
    var total = Stopwatch.StartNew();
    int runs = 0;
    while (runs < 2 || total.Elapsed.TotalSeconds < budgetSeconds)
    {
        var one = Stopwatch.StartNew();
        run();
        times.Add(one.Elapsed.TotalSeconds);
        runs++;
    }
}

static double Median(List<double> values)
{
    var sorted = values.Order().ToArray();
    return sorted[sorted.Length / 2];
}
