using System.Diagnostics;
using System.Globalization;
using KappaFace.MLNet.Onnx;
using KappaFace.MLNet.Onnx.Graph;
using KappaFace.MLNet.Trainer.Backbones;
using KappaFace.MLNet.Trainer.Export;
using KappaFace.MLNet.Trainer.Platform;
using KappaFace.MLNet.Trainer.Training;
using TorchSharp;
using static TorchSharp.torch;

// Inference throughput of an exported model: ONNX Runtime (FaceEmbedder, CPU) against the TorchSharp
// eval-mode forward of the same backbone, in one process, on the same random images.
// Usage: dotnet run -c Release --project benchmarks/OnnxVsTorch -- [backbone ...] [--batches 1,8,32]
//        [--size 112] [--embedding 512] [--seconds 4] [--ort-threads N] [--prelu-operator] [--ort-only] [--peak]
// Both sides do the whole job from raw 0..255 floats to unit embeddings and norms: TorchSharp normalises the
// pixels, copies them into a tensor, runs the backbone and the L2 normalisation; ORT runs the graph
// (whose first nodes normalise). --prelu-operator adds a second ORT model exported with
// OnnxExportOptions.PReluAsOperator, to show what the default PReLU decomposition buys.
// Each (backbone, batch) cell alternates the contenders in rounds so a burst of load from other
// processes hits all of them. Rates come from the median and from the best time per batch: on a shared
// machine other processes only ever slow a run down, so the best is the steadier comparison and the
// median the more typical one.
// Each backbone's work per image (multiply-accumulates of its Conv and Gemm nodes, ModelComplexity) turns
// rates into GFLOP/s; --peak also times a 2048^3 float32 matmul in both runtimes, the machine's practical
// arithmetic ceiling, so the table shows how close each runtime comes to it.
var backbones = new List<BackboneKind>();
int[] batches = [1, 8, 32];
int size = 112, embedding = 512, ortThreads = 0;
double seconds = 4;
bool runTorch = true, preluOperator = false, peak = false;
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
        case "--prelu-operator": preluOperator = true; break;
        case "--peak": peak = true; break;
        default: backbones.Add(BackboneFactory.Parse(args[i])); break;
    }
}

if (backbones.Count == 0)
{
    backbones.AddRange([BackboneKind.MobileFaceNet, BackboneKind.IResNet50]);
}

// The same allocator setting the trainer uses (Linux/glibc); it helps both runtimes' large buffers.
string? tuning = GlibcAllocatorTuning.TryApply();
Console.WriteLine($"# cores={Environment.ProcessorCount} torch threads={torch.get_num_threads()} ort threads={(ortThreads == 0 ? "default" : ortThreads)} " +
                  $"size={size} D={embedding} seconds/cell/contender={seconds} " +
                  $"allocator tuning={(GlibcAllocatorTuning.IsApplied ? "on" : "off: " + tuning)} load={File.ReadAllText("/proc/loadavg").Trim()}");
Console.WriteLine();

string[] names = ["ORT", .. preluOperator ? new[] { "ORT (PRelu op)" } : [], .. runTorch ? new[] { "TorchSharp" } : []];
string header = string.Join(" | ", names.Select(n => $"{n} emb/s")) +
                (runTorch ? string.Concat(names.Take(names.Length - 1).Select(n => $" | {n} / TorchSharp")) : string.Empty) +
                $" | GFLOP/s, best ({string.Join(" / ", names)})";
Console.WriteLine($"| backbone | batch | {header} |");
Console.WriteLine("|---|---:|" + string.Concat(Enumerable.Repeat("---:|", header.Split(" | ").Length)));

var gflopsPerImage = new Dictionary<string, double>();
string folder = Path.Combine(Path.GetTempPath(), "kappaface-bench-" + Guid.NewGuid().ToString("N"));
Directory.CreateDirectory(folder);
try
{
    foreach (var kind in backbones)
    {
        torch.manual_seed(1);
        using var backbone = BackboneFactory.Create(kind, size, embedding);
        backbone.eval();
        var embedders = new List<FaceEmbedder>();
        foreach (bool asOperator in preluOperator ? new[] { false, true } : [false])
        {
            string model = Path.Combine(folder, $"{BackboneFactory.NameOf(kind)}-{asOperator}.onnx");
            OnnxExporter.Export(backbone, ModelCardAssembler.ForBackbone(backbone), model, new OnnxExportOptions { PReluAsOperator = asOperator });
            embedders.Add(FaceEmbedder.Open(model, new FaceEmbedderOptions { ExecutionProvider = "cpu", MaxBatch = batches.Max(), IntraOpThreads = ortThreads }));
        }

        var work = ModelComplexity.Estimate(OnnxModelFile.Load(Path.Combine(folder, $"{BackboneFactory.NameOf(kind)}-False.onnx")));
        gflopsPerImage[BackboneFactory.NameOf(kind)] = work.Flops / 1e9;

        try
        {
            foreach (int batch in batches)
            {
                var random = new Random(batch);
                float[] pixels = Enumerable.Range(0, batch * 3 * size * size).Select(_ => (float)random.Next(256)).ToArray();
                var contenders = embedders.Select(e => (Action)(() => e.Embed(pixels, batch))).ToList();
                if (runTorch)
                {
                    contenders.Add(() => TorchEmbed(backbone, pixels, batch, size));
                }

                var times = contenders.Select(_ => new List<double>()).ToArray();
                // Warm-up: TorchSharp's first calls at a new shape build their kernels and can take tens of ms.
                var scratch = new List<double>();
                contenders.ForEach(run => Measure(run, Math.Min(1, seconds / 4), scratch));
                // Rounds of about a quarter of the budget each, alternating contenders.
                for (int round = 0; round < 4; round++)
                {
                    for (int c = 0; c < contenders.Count; c++)
                    {
                        Measure(contenders[c], seconds / 4, times[c]);
                    }
                }

                var median = times.Select(t => batch / Median(t)).ToArray();
                var best = times.Select(t => batch / t.Min()).ToArray();
                var cells = Enumerable.Range(0, contenders.Count).Select(c => F($"{median[c]:F1} / {best[c]:F1}")).ToList();
                if (runTorch)
                {
                    int t = contenders.Count - 1;
                    cells.AddRange(Enumerable.Range(0, t).Select(c => F($"{median[c] / median[t]:F2}x / {best[c] / best[t]:F2}x")));
                }

                double gflops = gflopsPerImage[BackboneFactory.NameOf(kind)];
                cells.Add(string.Join(" / ", best.Select(rate => F($"{rate * gflops:F0}"))));

                Console.WriteLine($"| {BackboneFactory.NameOf(kind)} | {batch} | {string.Join(" | ", cells)} |");
            }
        }
        finally
        {
            embedders.ForEach(e => e.Dispose());
        }
    }

    Console.WriteLine();
    Console.WriteLine("Each cell: median / best. " + F($"load after={File.ReadAllText("/proc/loadavg").Trim()}"));
    Console.WriteLine("Work per image (default export, Conv + Gemm): " +
                      string.Join(", ", gflopsPerImage.Select(p => F($"{p.Key} {p.Value:F3} GFLOP"))) +
                      "; GFLOP/s = emb/s x that.");
    if (peak)
    {
        Console.WriteLine(F($"float32 matmul 2048^3, best of rounds: TorchSharp {MatmulPeak.Torch(2048, seconds):F1} GFLOP/s, ORT {MatmulPeak.Ort(2048, seconds, ortThreads):F1} GFLOP/s"));
    }
}
finally
{
    Directory.Delete(folder, recursive: true);
}

static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

static void TorchEmbed(FaceBackbone backbone, float[] pixels, int batch, int size)
{
    // Normalised in managed code, as BatchAssembler feeds the trainer: no per-call native Scalars (an
    // implicit float-to-Scalar argument crashed one run with libtorch's "Unknown scalar type").
    var normalised = new float[pixels.Length];
    for (int i = 0; i < pixels.Length; i++)
    {
        normalised[i] = (pixels[i] - BatchAssembler.PixelMean) / BatchAssembler.PixelScale;
    }

    using var scope = torch.NewDisposeScope();
    using var noGrad = torch.no_grad();
    Tensor raw = backbone.call(torch.tensor(normalised, [batch, 3, size, size]));
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
