using KappaFace.MLNet.Trainer.Concentration;
using KappaFace.MLNet.Trainer.Heads;

namespace KappaFace.MLNet.Benchmarks.Scale;

/// <summary>KappaFace memory-buffer size in float32 and float16: computed for large N, measured for one.</summary>
internal static class MemoryBufferBenchmark
{
    public static void Run()
    {
        Console.WriteLine();
        Console.WriteLine("### KappaFace memory buffer (N images x D, computed)");
        Console.WriteLine();
        Console.WriteLine("| images N | D | fp32 | fp16 |");
        Console.WriteLine("|---:|---:|---:|---:|");
        foreach (long n in new long[] { 100_000, 1_000_000, 5_800_000 })
        {
            foreach (int d in new[] { 128, 512 })
            {
                Console.WriteLine($"| {n:N0} | {d} | {Machine.Bytes(n * d * 4.0)} | {Machine.Bytes(n * d * 2.0)} |");
            }
        }

        Console.WriteLine();
        Console.WriteLine($"Measured (RSS growth on creating the buffer, N = 1,000,000, D = 512; load {Machine.LoadAverage()}):");
        foreach (var precision in new[] { MemoryBufferPrecision.Fp32, MemoryBufferPrecision.Fp16 })
        {
            long before = Machine.Resident();
            using var buffer = new MemoryBuffer(1_000_000, 512, 0.9, MomentumConvention.NewFeature, seed: 1, precision: precision);
            long after = Machine.Resident();
            Console.WriteLine($"- {precision}: {Machine.Bytes(after - before)} (tensor {Machine.Bytes(buffer.Bytes)})");
        }
    }
}
