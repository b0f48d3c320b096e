using KappaFace.MLNet.Tests.Shared;
using System.Diagnostics;
using KappaFace.MLNet.Onnx.Graph;
using KappaFace.MLNet.Onnx.Proto;

namespace KappaFace.MLNet.Onnx.Tests;

/// <summary>A fresh folder under the system temp folder, removed on dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "kappaface-onnx-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>
/// A tiny embedding network built by hand with the builder, and the same computation done naively:
/// (x - 127.5) / 127.5 -> Conv 3x3 pad 1 -> Relu -> GlobalAveragePool -> Flatten -> Gemm ->
/// ReduceL2(axes=[1], keepdims=1) -> Div; outputs embedding and embedding_norm.
/// </summary>
internal sealed class TinyModel
{
    public const int Size = 8;
    public const int Filters = 4;
    public const int Dim = 5;
    public const int PixelsPerImage = 3 * Size * Size;

    private TinyModel(int seed)
    {
        var rng = new Random(seed);
        ConvWeight = Enumerable.Range(0, Filters * 3 * 3 * 3).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        ConvBias = Enumerable.Range(0, Filters).Select(_ => (float)(rng.NextDouble() - 0.3)).ToArray();
        FcWeight = Enumerable.Range(0, Dim * Filters).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        FcBias = Enumerable.Range(0, Dim).Select(_ => (float)(rng.NextDouble() * 0.2 - 0.1)).ToArray();
    }

    public float[] ConvWeight { get; }  // [Filters, 3, 3, 3]
    public float[] ConvBias { get; }    // [Filters]
    public float[] FcWeight { get; }    // [Dim, Filters] (Gemm transB = 1)
    public float[] FcBias { get; }      // [Dim]

    public static TinyModel Create(int seed = 7) => new(seed);

    public static ModelCard Card(int inputSize = Size, int embeddingSize = Dim) => new()
    {
        LibraryVersion = "0.1.0-test",
        Backbone = "tiny",
        InputSize = inputSize,
        EmbeddingSize = embeddingSize,
        Loss = "kappaface",
        LossParameters = new Dictionary<string, double> { ["s"] = 64, ["m0"] = 0.8, ["T"] = 0.4 },
        TrainingClasses = 12,
        TrainingImages = 345,
        TrainingSeed = 1,
    };

    /// <summary>The builder with the graph added, before Build.</summary>
    public OnnxGraphBuilder Graph(params TensorDim[] inputShape)
    {
        var b = new OnnxGraphBuilder("tiny");
        var input = b.AddInput(ModelContract.InputName, inputShape.Length > 0 ? inputShape : ["batch", 3, Size, Size]);
        var mean = b.AddInitializer("mean", [ModelContract.PixelMean]);
        var scale = b.AddInitializer("scale", [ModelContract.PixelScale]);
        var x = b.AddNode("Sub", [input, mean], b.UniqueName("centred"));
        x = b.AddNode("Div", [x, scale], b.UniqueName("normalised"));
        var w = b.AddInitializer("conv.weight", ConvWeight, Filters, 3, 3, 3);
        var bias = b.AddInitializer("conv.bias", ConvBias, Filters);
        x = b.AddNode(
            "Conv", [x, w, bias], b.UniqueName("conv"),
            OnnxAttr.OfInts("kernel_shape", 3, 3), OnnxAttr.OfInts("pads", 1, 1, 1, 1), OnnxAttr.OfInts("strides", 1, 1));
        x = b.AddNode("Relu", [x], b.UniqueName("relu"));
        x = b.AddNode("GlobalAveragePool", [x], b.UniqueName("pool"));
        x = b.AddNode("Flatten", [x], b.UniqueName("flat"), OnnxAttr.OfInt("axis", 1));
        var fw = b.AddInitializer("fc.weight", FcWeight, Dim, Filters);
        var fb = b.AddInitializer("fc.bias", FcBias, Dim);
        x = b.AddNode("Gemm", [x, fw, fb], b.UniqueName("features"), OnnxAttr.OfInt("transB", 1));
        var norm = b.AddNode("ReduceL2", [x], ModelContract.EmbeddingNormName, OnnxAttr.OfInts("axes", 1), OnnxAttr.OfInt("keepdims", 1));
        b.AddNode("Div", [x, norm], ModelContract.EmbeddingName);
        b.AddOutput(ModelContract.EmbeddingName, "batch", Dim);
        b.AddOutput(ModelContract.EmbeddingNormName, "batch", 1);
        return b;
    }

    public ModelProto Build(ModelCard? card = null, bool withCard = true) =>
        Graph().Build("KappaFace.MLNet.Tests", "0.1.0", withCard ? (card ?? Card()).ToMetadata() : null);

    public string Save(TempDir dir, string name = "tiny.onnx", ModelCard? card = null, bool withCard = true)
    {
        var path = dir.File(name);
        Build(card, withCard).Save(path);
        return path;
    }

    /// <summary>The naive computation in double precision for one image of 3 x Size x Size raw pixels.</summary>
    public (double[] Embedding, double Norm) Reference(ReadOnlySpan<float> image)
    {
        var x = new double[PixelsPerImage];
        for (var i = 0; i < x.Length; i++)
        {
            x[i] = (image[i] - 127.5) / 127.5;
        }

        var pooled = new double[Filters];
        for (var f = 0; f < Filters; f++)
        {
            double sum = 0;
            for (var r = 0; r < Size; r++)
            {
                for (var c = 0; c < Size; c++)
                {
                    double acc = ConvBias[f];
                    for (var ch = 0; ch < 3; ch++)
                    {
                        for (var kr = 0; kr < 3; kr++)
                        {
                            for (var kc = 0; kc < 3; kc++)
                            {
                                int rr = r + kr - 1, cc = c + kc - 1;
                                if (rr < 0 || rr >= Size || cc < 0 || cc >= Size)
                                {
                                    continue;
                                }

                                acc += ConvWeight[((f * 3 + ch) * 3 + kr) * 3 + kc] * x[(ch * Size + rr) * Size + cc];
                            }
                        }
                    }

                    sum += Math.Max(acc, 0);
                }
            }

            pooled[f] = sum / (Size * Size);
        }

        var e = new double[Dim];
        for (var d = 0; d < Dim; d++)
        {
            double acc = FcBias[d];
            for (var f = 0; f < Filters; f++)
            {
                acc += FcWeight[d * Filters + f] * pooled[f];
            }

            e[d] = acc;
        }

        var norm = Math.Sqrt(e.Sum(v => v * v));
        return (e.Select(v => v / norm).ToArray(), norm);
    }

    /// <summary>Deterministic raw pixel values in 0..255 for <paramref name="count"/> images.</summary>
    public static float[] Images(int count, int seed)
    {
        var rng = new Random(seed);
        var data = new float[count * PixelsPerImage];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = rng.Next(256);
        }

        return data;
    }
}

/// <summary>
/// Runs Debian's python3-onnx when it is installed (never installs it). Debian's interpreter
/// (/usr/bin/python3) is tried first, since a python3 earlier on PATH (pyenv, venv) may lack the module.
/// </summary>
internal static class PythonOnnx
{
    public const string MissingReason =
        "python3-onnx is not installed (Debian: apt-get install python3-onnx); the ONNX checker test is skipped.";

    private static readonly Lazy<string?> s_interpreter = new(() =>
    {
        foreach (var candidate in new[] { "/usr/bin/python3", "python3" })
        {
            try
            {
                if (Run(candidate, "import onnx", out _, out _) == 0)
                {
                    return candidate;
                }
            }
            catch (System.ComponentModel.Win32Exception)
            {
                // Not there; try the next one.
            }
        }

        return null;
    });

    public static bool Available => s_interpreter.Value is not null;

    /// <summary>Runs a Python script with arguments on the interpreter that has onnx; returns the exit code.</summary>
    public static int Run(string script, out string stdout, out string stderr, params string[] args) =>
        Run(s_interpreter.Value ?? throw new InvalidOperationException(MissingReason), script, out stdout, out stderr, args);

    private static int Run(string interpreter, string script, out string stdout, out string stderr, params string[] args)
    {
        var result = ChildProcess.Run(interpreter, ["-c", script, .. args], TimeSpan.FromSeconds(60));
        stdout = result.Stdout;
        stderr = result.Stderr;
        return result.ExitCode;
    }
}
