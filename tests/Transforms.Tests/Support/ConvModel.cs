using KappaFace.MLNet.Onnx;
using KappaFace.MLNet.Onnx.Graph;
using KappaFace.MLNet.Onnx.Proto;

namespace KappaFace.MLNet.Transforms.Tests.Support;

/// <summary>
/// A small embedding network built by hand with the ONNX graph builder (the trained-model exporter is
/// another project): (x - 127.5) / 127.5 -> Conv k x k stride s -> Relu -> Conv 1x1 -> Relu ->
/// GlobalAveragePool -> Flatten -> Gemm -> ReduceL2 -> Div. Outputs follow the contract: embedding
/// [batch, D] (L2-normalised) and embedding_norm [batch, 1].
/// </summary>
internal sealed class ConvModel
{
    private readonly float[] _conv1;
    private readonly float[] _bias1;
    private readonly float[] _conv2;
    private readonly float[] _fc;
    private readonly float[] _fcBias;

    private ConvModel(int inputSize, int embeddingSize, int kernel, int filters, int seed)
    {
        InputSize = inputSize;
        EmbeddingSize = embeddingSize;
        Kernel = kernel;
        Filters = filters;
        var rng = new Random(seed);
        float Next(double scale) => (float)((rng.NextDouble() * 2 - 1) * scale);
        _conv1 = [.. Enumerable.Range(0, filters * 3 * kernel * kernel).Select(_ => Next(1.0 / kernel))];
        _bias1 = [.. Enumerable.Range(0, filters).Select(_ => Next(0.2))];
        _conv2 = [.. Enumerable.Range(0, filters * filters).Select(_ => Next(1.0))];
        _fc = [.. Enumerable.Range(0, embeddingSize * filters).Select(_ => Next(1.0))];
        _fcBias = [.. Enumerable.Range(0, embeddingSize).Select(_ => Next(0.1))];
    }

    public int InputSize { get; }

    public int EmbeddingSize { get; }

    public int Kernel { get; }

    public int Filters { get; }

    public int PixelCount => 3 * InputSize * InputSize;

    /// <summary>A model for H x H inputs; the first conv's kernel equals its stride.</summary>
    public static ConvModel Create(int inputSize = 32, int embeddingSize = 8, int kernel = 4, int filters = 6, int seed = 7) =>
        new(inputSize, embeddingSize, kernel, filters, seed);

    public ModelCard Card(double? threshold = null)
    {
        var card = new ModelCard
        {
            LibraryVersion = "0.1.0-test",
            Backbone = "conv-test",
            InputSize = InputSize,
            EmbeddingSize = EmbeddingSize,
            Loss = "kappaface",
            TrainingSeed = 1,
        };
        return threshold is { } t ? card.WithThreshold(t, 1e-3, "test") : card;
    }

    public ModelProto Build(ModelCard? card = null)
    {
        var b = new OnnxGraphBuilder("conv-test");
        string x = b.AddInput(ModelContract.InputName, "batch", 3, InputSize, InputSize);
        string mean = b.AddInitializer("mean", [ModelContract.PixelMean]);
        string scale = b.AddInitializer("scale", [ModelContract.PixelScale]);
        x = b.AddNode("Sub", [x, mean], b.UniqueName("centred"));
        x = b.AddNode("Div", [x, scale], b.UniqueName("normalised"));
        string w1 = b.AddInitializer("conv1.weight", _conv1, Filters, 3, Kernel, Kernel);
        string b1 = b.AddInitializer("conv1.bias", _bias1, Filters);
        x = b.AddNode("Conv", [x, w1, b1], b.UniqueName("conv1"),
            OnnxAttr.OfInts("kernel_shape", Kernel, Kernel), OnnxAttr.OfInts("strides", Kernel, Kernel));
        x = b.AddNode("Relu", [x], b.UniqueName("relu1"));
        string w2 = b.AddInitializer("conv2.weight", _conv2, Filters, Filters, 1, 1);
        x = b.AddNode("Conv", [x, w2], b.UniqueName("conv2"), OnnxAttr.OfInts("kernel_shape", 1, 1));
        x = b.AddNode("Relu", [x], b.UniqueName("relu2"));
        x = b.AddNode("GlobalAveragePool", [x], b.UniqueName("pool"));
        x = b.AddNode("Flatten", [x], b.UniqueName("flat"), OnnxAttr.OfInt("axis", 1));
        string fw = b.AddInitializer("fc.weight", _fc, EmbeddingSize, Filters);
        string fb = b.AddInitializer("fc.bias", _fcBias, EmbeddingSize);
        x = b.AddNode("Gemm", [x, fw, fb], b.UniqueName("features"), OnnxAttr.OfInt("transB", 1));
        string norm = b.AddNode("ReduceL2", [x], ModelContract.EmbeddingNormName, OnnxAttr.OfInts("axes", 1), OnnxAttr.OfInt("keepdims", 1));
        b.AddNode("Div", [x, norm], ModelContract.EmbeddingName);
        b.AddOutput(ModelContract.EmbeddingName, "batch", EmbeddingSize);
        b.AddOutput(ModelContract.EmbeddingNormName, "batch", 1);
        return b.Build("KappaFace.MLNet.Transforms.Tests", "0.1.0", (card ?? Card()).ToMetadata());
    }

    public string Save(string folder, string name = "model.onnx", ModelCard? card = null)
    {
        string path = Path.Combine(folder, name);
        Build(card).Save(path);
        return path;
    }

    public byte[] Bytes(ModelCard? card = null)
    {
        using var stream = new MemoryStream();
        Google.Protobuf.MessageExtensions.WriteTo(Build(card), stream);
        return stream.ToArray();
    }
}
