using System.Diagnostics;
using KappaFace.MLNet.Trainer.Heads;
using TorchSharp;
using static TorchSharp.torch;

namespace KappaFace.MLNet.Benchmarks.Scale;

/// <summary>
/// Time and memory of one head step (forward, backward, SGD with momentum and weight decay) for C classes at
/// embedding size D, full softmax versus PartialFC, batch 64 of random unit features.
/// </summary>
internal static class HeadBenchmark
{
    private const int Batch = 64;

    // Skip a configuration whose estimated peak exceeds this share of the memory available when it starts (the
    // machine is shared and an earlier run was killed by the kernel); the table says which were skipped. Estimated
    // peak in C x D float copies: centres, gradient, momentum, the normalised centres and a backward temporary for
    // the full softmax; one fewer when sampling (only the drawn rows are normalised).
    private const double AvailableShare = 0.8;

    public static void Run(int[] classCounts, int[] dims, double[] rates, int steps)
    {
        Console.WriteLine();
        Console.WriteLine($"### Head step (batch {Batch}, SGD momentum 0.9, weight decay 5e-4; median of {steps} steps after 1 warm-up; load {Machine.LoadAverage()})");
        Console.WriteLine();
        Console.WriteLine("| classes C | D | sample rate | centres drawn | s/step | centres + grad + momentum | RSS growth |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|");
        foreach (int d in dims)
        {
            foreach (int c in classCounts)
            {
                foreach (double rate in rates)
                {
                    long tensorBytes = 3L * c * d * sizeof(float);
                    long estimate = (rate < 1 ? 4L : 5L) * c * d * sizeof(float);
                    long available = Machine.Available();
                    if (estimate > AvailableShare * available)
                    {
                        Console.WriteLine($"| {c:N0} | {d} | {rate} | - | skipped: needs about {Machine.Bytes(estimate)}, {Machine.Bytes(available)} available | {Machine.Bytes(tensorBytes)} | - |");
                        continue;
                    }
                    var (seconds, growth, drawn) = Measure(c, d, rate, steps);
                    Console.WriteLine($"| {c:N0} | {d} | {rate} | {drawn:N0} | {seconds:F3} | {Machine.Bytes(tensorBytes)} | {Machine.Bytes(growth)} |");
                }
            }
        }
    }

    private static (double Seconds, long Growth, int Drawn) Measure(int classes, int dim, double rate, int steps)
    {
        long before = Machine.Resident();
        torch.manual_seed(1);
        var sampler = rate < 1 ? new ClassCentreSampler(classes, rate, seed: 1) : null;
        using var head = new MarginSoftmaxHead(classes, dim, 64, new ArcFaceMargin(0.5), ScalarType.Float32, sampler);
        using var optimizer = torch.optim.SGD(head.parameters(), 0.1, momentum: 0.9, weight_decay: 5e-4);
        using var labels = torch.randint(0, classes, [Batch], ScalarType.Int64);
        using var features = nn.functional.normalize(torch.randn(Batch, dim), p: 2, dim: 1);
        var times = new List<double>();
        long peak = 0;
        for (int step = 0; step <= steps; step++)
        {
            var clock = Stopwatch.StartNew();
            using (var scope = torch.NewDisposeScope())
            {
                optimizer.zero_grad();
                head.SamplingStep = step;
                var loss = head.call(features, labels);
                loss.backward();
                optimizer.step();
            }
            times.Add(clock.Elapsed.TotalSeconds);
            peak = Math.Max(peak, Machine.Resident());
        }
        int drawn = sampler?.SampleSize(Batch) ?? classes;
        var measured = times.Skip(1).Order().ToArray();
        return (measured[measured.Length / 2], peak - before, drawn);
    }
}
