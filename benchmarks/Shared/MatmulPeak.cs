using System.Diagnostics;
using KappaFace.MLNet.Onnx;
using KappaFace.MLNet.Onnx.Graph;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Google.Protobuf;
using TorchSharp;

/// <summary>
/// The machine's practical float32 ceiling: the best rate of an n x n by n x n matrix product, in each
/// runtime. Well-tuned dense convolutions run at about this rate (IResNet-50's slightly above it), so a
/// network's GFLOP/s against it shows how much headroom any graph rewrite or runtime could still find.
/// </summary>
internal static class MatmulPeak
{
    /// <summary>GFLOP/s of TorchSharp's matmul, best run over about <paramref name="seconds"/>.</summary>
    public static double Torch(int n, double seconds)
    {
        using var scope = torch.NewDisposeScope();
        var a = torch.rand(n, n);
        var b = torch.rand(n, n);
        return Best(n, seconds, () => a.matmul(b).Dispose());
    }

    /// <summary>GFLOP/s of ONNX Runtime's CPU MatMul, best run over about <paramref name="seconds"/>.</summary>
    public static double Ort(int n, double seconds, int intraOpThreads)
    {
        var builder = new OnnxGraphBuilder("matmul");
        builder.AddInput("a", n, n);
        string b = builder.AddInitializer("b", new float[(long)n * n], n, n);
        builder.AddNode("MatMul", ["a", b], "c");
        builder.AddOutput("c", n, n);
        byte[] model = builder.Build("kappaface-benchmark", "1").ToByteArray();

        using var options = new SessionOptions { IntraOpNumThreads = intraOpThreads };
        using var session = new InferenceSession(model, options);
        var random = new Random(1);
        var input = new DenseTensor<float>(Enumerable.Range(0, n * n).Select(_ => (float)random.NextDouble()).ToArray(), [n, n]);
        var inputs = new[] { NamedOnnxValue.CreateFromTensor("a", input) };
        return Best(n, seconds, () => session.Run(inputs).Dispose());
    }

    private static double Best(int n, double seconds, Action run)
    {
        run();
        double best = double.MaxValue;
        var total = Stopwatch.StartNew();
        while (total.Elapsed.TotalSeconds < seconds)
        {
            var one = Stopwatch.StartNew();
            run();
            best = Math.Min(best, one.Elapsed.TotalSeconds);
        }

        return 2.0 * n * n * n / best / 1e9;
    }
}
