using KappaFace.MLNet.Onnx;
using KappaFace.MLNet.Onnx.Graph;
using KappaFace.MLNet.Onnx.Proto;

namespace KappaFace.MLNet.Trainer.Export;

/// <summary>Convolution settings in ONNX terms (pads are begin_h, begin_w, end_h, end_w).</summary>
/// <param name="Kernel">Kernel height and width.</param>
/// <param name="Strides">Strides.</param>
/// <param name="Pads">Zero padding: top, left, bottom, right.</param>
/// <param name="Dilations">Dilations.</param>
/// <param name="Groups">Groups (the channel count for a depthwise convolution).</param>
internal sealed record ConvGeometry(long[] Kernel, long[] Strides, long[] Pads, long[] Dilations, long Groups);

/// <summary>
/// Emits the ONNX nodes of each layer kind through <see cref="OnnxGraphBuilder"/>, using only the
/// plain opset-13 operators that ONNX Runtime, onnxruntime-node and OpenCV 4.6 DNN all load
/// (docs/onnx-model.md, Contract). Tensors and initialisers are named after the module path they come from
/// (<c>layer1.0.conv1</c>, <c>layer1.0.conv1.weight</c>), so a graph viewer maps back to the network.
/// </summary>
internal sealed class ExportGraph
{
    private readonly OnnxGraphBuilder _builder = new("kappaface");

    /// <summary>The underlying builder, for graphs written node by node (imported backbones).</summary>
    public OnnxGraphBuilder Builder => _builder;

    /// <summary>Declares <c>input</c> float32 <c>[batch, 3, S, S]</c> (raw RGB 0..255) with no normalisation nodes.</summary>
    public string RawInput(int inputSize) => EmbeddingContractNodes.RawInput(_builder, inputSize);

    /// <summary>
    /// Declares <c>input</c> float32 <c>[batch, 3, S, S]</c> (raw RGB 0..255) and normalises it as the
    /// very first nodes, <c>(x - 127.5) / 127.5</c>: Sub then Div, the same two float operations the
    /// trainer applies, so the network sees bit-identical inputs.
    /// </summary>
    public string NormalisedInput(int inputSize)
    {
        string input = EmbeddingContractNodes.RawInput(_builder, inputSize);
        string mean = _builder.AddInitializer(_builder.UniqueName("pixel_mean"), [ModelContract.PixelMean]);
        string scale = _builder.AddInitializer(_builder.UniqueName("pixel_scale"), [ModelContract.PixelScale]);
        string centred = _builder.AddNode("Sub", [input, mean], _builder.UniqueName("input_centred"));
        return _builder.AddNode("Div", [centred, scale], _builder.UniqueName("input_normalised"));
    }

    /// <summary>A convolution; <paramref name="weightShape"/> is <c>[out, in/groups, kh, kw]</c>.</summary>
    public string Conv(string x, string path, float[] weights, long[] weightShape, float[] bias, ConvGeometry geometry)
    {
        var inputs = new List<string> { x, _builder.AddInitializer(_builder.UniqueName(path + ".weight"), weights, weightShape) };
        if (bias.Length > 0)
        {
            inputs.Add(_builder.AddInitializer(_builder.UniqueName(path + ".bias"), bias, bias.Length));
        }

        return _builder.AddNode(
            "Conv", inputs, _builder.UniqueName(path),
            OnnxAttr.OfInts("kernel_shape", geometry.Kernel),
            OnnxAttr.OfInts("strides", geometry.Strides),
            OnnxAttr.OfInts("pads", geometry.Pads),
            OnnxAttr.OfInts("dilations", geometry.Dilations),
            OnnxAttr.OfInt("group", geometry.Groups));
    }

    /// <summary>
    /// A batch norm that cannot be folded (it precedes a padded convolution or a residual split):
    /// ONNX BatchNormalization with the running statistics, which every target runtime implements
    /// and computes as PyTorch's eval mode does.
    /// </summary>
    public string BatchNorm(string x, string path, BatchNormParameters norm)
    {
        long c = norm.Channels;
        string gamma = _builder.AddInitializer(_builder.UniqueName(path + ".weight"), norm.Gamma, c);
        string beta = _builder.AddInitializer(_builder.UniqueName(path + ".bias"), norm.Beta, c);
        string mean = _builder.AddInitializer(_builder.UniqueName(path + ".running_mean"), norm.Mean, c);
        string variance = _builder.AddInitializer(_builder.UniqueName(path + ".running_var"), norm.Variance, c);
        return _builder.AddNode(
            "BatchNormalization", [x, gamma, beta, mean, variance], _builder.UniqueName(path),
            OnnxAttr.OfFloat("epsilon", (float)norm.Epsilon));
    }

    /// <summary>
    /// A per-channel PReLU over NCHW. As an operator (or for a single shared slope) it is one PRelu node
    /// whose slopes are stored as <c>[C, 1, 1]</c>, so they broadcast over the channel axis (ONNX
    /// broadcasting aligns trailing axes; a plain <c>[C]</c> would meet the width axis). Otherwise it is
    /// written as <c>x + (1 - slope) * Relu(-x)</c> (see <see cref="OnnxExportOptions.PReluAsOperator"/>):
    /// a 1x1 depthwise convolution by -1, Relu, a 1x1 depthwise convolution by 1 - slope, and Add.
    /// For x &gt;= 0 that is x; for x &lt; 0 it is x - (1 - s) x = s x, up to float rounding (a few ulps of x).
    /// </summary>
    public string PRelu(string x, string path, float[] slopes, bool asOperator)
    {
        if (asOperator || slopes.Length == 1)
        {
            // A shared slope has no channel count to build the convolutions from; PRelu needs none.
            long[] shape = slopes.Length == 1 ? [1] : [slopes.Length, 1, 1];
            string slope = _builder.AddInitializer(_builder.UniqueName(path + ".weight"), slopes, shape);
            return _builder.AddNode("PRelu", [x, slope], _builder.UniqueName(path));
        }

        long channels = slopes.Length;
        long[] pointwise = [channels, 1, 1, 1];
        var geometry = new ConvGeometry(Kernel: [1, 1], Strides: [1, 1], Pads: [0, 0, 0, 0], Dilations: [1, 1], Groups: channels);
        string negated = Conv(x, path + ".negate", Enumerable.Repeat(-1f, slopes.Length).ToArray(), pointwise, [], geometry);
        string negativePart = _builder.AddNode("Relu", [negated], _builder.UniqueName(path + ".negative_part"));
        float[] complement = slopes.Select(s => 1f - s).ToArray();
        string correction = Conv(negativePart, path + ".slope_complement", complement, pointwise, [], geometry);
        return _builder.AddNode("Add", [x, correction], _builder.UniqueName(path));
    }

    /// <summary>An element-wise sum of two tensors of the same shape (a residual connection).</summary>
    public string Add(string a, string b, string path) =>
        _builder.AddNode("Add", [a, b], _builder.UniqueName(path));

    /// <summary>Flattens <c>[N, C, H, W]</c> to <c>[N, C*H*W]</c> in C, H, W order (as <c>flatten(1)</c>).</summary>
    public string Flatten(string x, string path) =>
        _builder.AddNode("Flatten", [x], _builder.UniqueName(path), OnnxAttr.OfInt("axis", 1));

    /// <summary>A linear layer <c>x W^T + b</c> as Gemm with <c>transB = 1</c>, keeping PyTorch's <c>[out, in]</c> weights.</summary>
    public string Linear(string x, string path, float[] weights, long outFeatures, long inFeatures, float[] bias)
    {
        var inputs = new List<string> { x, _builder.AddInitializer(_builder.UniqueName(path + ".weight"), weights, outFeatures, inFeatures) };
        if (bias.Length > 0)
        {
            inputs.Add(_builder.AddInitializer(_builder.UniqueName(path + ".bias"), bias, bias.Length));
        }

        return _builder.AddNode("Gemm", inputs, _builder.UniqueName(path), OnnxAttr.OfInt("transB", 1));
    }

    /// <summary>
    /// The two outputs: <c>embedding_norm = ReduceL2(x, axes=[1], keepdims=1)</c> and
    /// <c>embedding = x / embedding_norm</c>. ReduceL2 + Div is the pattern OpenCV 4.6 imports
    /// (LpNormalization and opset-13 ReduceSum are not).
    /// </summary>
    public void EmbeddingOutputs(string x, int embeddingSize) =>
        EmbeddingContractNodes.EmbeddingOutputs(_builder, x, embeddingSize);

    /// <summary>Checks the graph and wraps it in a model with the card as its metadata; the producer is this library.</summary>
    public ModelProto Build(ModelCard card) =>
        _builder.Build(ModelCardAssembler.ProducerName, ModelCardAssembler.LibraryVersion, card.ToMetadata());
}
