using System.Diagnostics;
using System.Globalization;
using KappaFace.MLNet.Trainer.Backbones;
using KappaFace.MLNet.Trainer.Heads;
using KappaFace.MLNet.Trainer.Platform;
using TorchSharp;
using static TorchSharp.torch;

// Does bfloat16 training pay on this CPU (AVX-512 BF16)? TorchSharp 0.107 has no autocast, so the bf16 step runs
// a bfloat16 copy of the backbone on bfloat16 inputs, keeps float32 master weights (the copy is refreshed from
// them before every step, its gradients are widened back into them) and the margin head in float32.
// Both precisions alternate within each round, in this process's first thread with the allocator tuning on.
// Usage: dotnet run -c Release --project benchmarks/Bf16Training -- [--rounds 2] [--steps 3] [--threads 2]
//        [--only mobilefacenet:64,iresnet50:16]   (backbone:batch pairs)
var argList = args.ToList();
string Option(string name, string fallback)
{
    int i = argList.IndexOf(name);
    return i >= 0 && i + 1 < argList.Count ? argList[i + 1] : fallback;
}
int rounds = int.Parse(Option("--rounds", "2"), CultureInfo.InvariantCulture);
int steps = int.Parse(Option("--steps", "3"), CultureInfo.InvariantCulture);
int threads = int.Parse(Option("--threads", Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
var cases = Option("--only", "mobilefacenet:64,iresnet50:16").Split(',')
    .Select(c => c.Split(':')).Select(p => (Kind: BackboneFactory.Parse(p[0]), Batch: int.Parse(p[1], CultureInfo.InvariantCulture))).ToList();
_ = GlibcAllocatorTuning.TryApply();
torch.set_num_threads(threads);
torch.manual_seed(1);
Console.WriteLine($"threads={threads}, 112x112, D=512, ArcFace head over 1000 classes (float32), SGD momentum 0.9; 1 warm-up + {steps} timed steps per run; load {File.ReadAllText("/proc/loadavg").Trim()}");
foreach (var (kind, batch) in cases)
{
    var rates = new Dictionary<string, List<double>> { ["float32"] = [], ["bfloat16"] = [] };
    for (int round = 1; round <= rounds; round++)
    {
        foreach (string precision in rates.Keys)
        {
            double rate = Measure(kind, batch, steps, precision == "bfloat16");
            rates[precision].Add(rate);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"round {round} {BackboneFactory.NameOf(kind),-14} batch {batch,3} {precision,-8} {rate,7:F1} images/s; load {File.ReadAllText("/proc/loadavg").Trim()}"));
        }
    }
    double f32 = rates["float32"].Max(), bf16 = rates["bfloat16"].Max();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {BackboneFactory.NameOf(kind)} | {batch} | {f32:F1} | {bf16:F1} | {bf16 / f32:F2}x |"));
}
return 0;

// Median images/s of the timed steps of a fresh model in one precision.
static double Measure(BackboneKind kind, int batch, int steps, bool bf16)
{
    using var scope = NewDisposeScope();
    using var master = BackboneFactory.Create(kind, 112, 512);
    using var head = new MarginSoftmaxHead(1000, 512, 64, new ArcFaceMargin(0.5));
    using var working = bf16 ? BackboneFactory.Create(kind, 112, 512) : null;
    working?.to(ScalarType.BFloat16);
    var parameters = master.parameters().Concat(head.parameters()).ToList();
    using var optimizer = optim.SGD(parameters, 0.01, momentum: 0.9, weight_decay: 5e-4);
    var pairs = working is null ? [] : working.parameters().Zip(master.parameters()).ToList();
    var x = randn(batch, 3, 112, 112);
    var labels = randint(1000, [batch], dtype: ScalarType.Int64);
    var times = new List<double>();
    for (int step = 0; step <= steps; step++)
    {
        var clock = Stopwatch.StartNew();
        using (var stepScope = NewDisposeScope())
        {
            optimizer.zero_grad();
            Tensor embedding;
            if (working is null)
            {
                embedding = master.forward(x);
            }
            else
            {
                using (no_grad())
                {
                    foreach (var (low, full) in pairs)
                    {
                        low.copy_(full);
                        low.grad?.zero_();
                    }
                }
                embedding = working.forward(x.to(ScalarType.BFloat16)).to(ScalarType.Float32);
            }
            var loss = head.forward(nn.functional.normalize(embedding, dim: 1), labels);
            loss.backward();
            if (working is not null)
            {
                if (pairs.All(p => p.First.grad is null))
                {
                    throw new InvalidOperationException("The bfloat16 copy received no gradients: the cast lost the parameters' requires_grad.");
                }
                using (no_grad())
                {
                    foreach (var (low, full) in pairs)
                    {
                        // Parameters the forward pass does not reach have no gradient in either copy.
                        if (low.grad is { } gradient)
                        {
                            full.grad = gradient.to(ScalarType.Float32);
                        }
                    }
                }
            }
            optimizer.step();
        }
        if (step > 0)
        {
            times.Add(clock.Elapsed.TotalSeconds);
        }
    }
    var sorted = times.Order().ToArray();
    double median = sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    return batch / median;
}
