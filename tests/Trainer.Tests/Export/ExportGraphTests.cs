using KappaFace.MLNet.Onnx;
using KappaFace.MLNet.Onnx.Proto;
using KappaFace.MLNet.Trainer.Backbones;
using KappaFace.MLNet.Trainer.Export;
using Xunit;

namespace KappaFace.MLNet.Trainer.Tests.Export;

/// <summary>The exported graph's structure: the model contract, folding, PReLU shapes, depthwise groups.</summary>
public class ExportGraphTests
{
    /// <summary>The plain operators that the exporter may use (docs/onnx-model.md, Contract).</summary>
    private static readonly HashSet<string> PlainOperators =
        ["Sub", "Div", "Conv", "BatchNormalization", "PRelu", "Relu", "Add", "Flatten", "Gemm", "ReduceL2"];

    private static ModelProto Export(BackboneKind kind, int inputSize = 32, int embeddingSize = 16, bool preluOperator = false)
    {
        using var backbone = ExportTestKit.Backbone(kind, inputSize, embeddingSize);
        return OnnxExporter.ToModel(backbone, ModelCardAssembler.ForBackbone(backbone), new OnnxExportOptions { PReluAsOperator = preluOperator });
    }

    /// <summary>The 1x1 depthwise convolutions of decomposed PReLUs (their weight names say so).</summary>
    private static bool IsPReluPart(NodeProto conv) =>
        conv.Input[1].EndsWith(".negate.weight", StringComparison.Ordinal) || conv.Input[1].EndsWith(".slope_complement.weight", StringComparison.Ordinal);

    private static string[] Dims(ValueInfoProto value) =>
        value.Type.TensorType.Shape.Dim.Select(d => d.HasDimParam ? d.DimParam : d.DimValue.ToString()).ToArray();

    private static IEnumerable<NodeProto> Nodes(ModelProto model, string opType) => model.Graph.Node.Where(n => n.OpType == opType);

    private static TensorProto Initializer(ModelProto model, string name) => model.Graph.Initializer.Single(t => t.Name == name);

    [Theory]
    [InlineData(BackboneKind.Tiny)]
    [InlineData(BackboneKind.MobileFaceNet)]
    [InlineData(BackboneKind.IResNet18)]
    public void Graph_follows_the_model_contract(BackboneKind kind)
    {
        var model = Export(kind, inputSize: 48, embeddingSize: 24);
        var withOperator = Export(kind, inputSize: 48, embeddingSize: 24, preluOperator: true);
        Assert.All(withOperator.Graph.Node, n => Assert.Contains(n.OpType, PlainOperators));

        Assert.Equal(8, model.IrVersion);
        var opset = Assert.Single(model.OpsetImport);
        Assert.Equal((string.Empty, 13L), (opset.Domain, opset.Version));
        Assert.Equal(ModelCardAssembler.ProducerName, model.ProducerName);

        var input = Assert.Single(model.Graph.Input);
        Assert.Equal("input", input.Name);
        Assert.Equal(new[] { "batch", "3", "48", "48" }, Dims(input));
        Assert.Equal(new[] { "embedding", "embedding_norm" }, model.Graph.Output.Select(o => o.Name));
        Assert.Equal(new[] { "batch", "24" }, Dims(model.Graph.Output[0]));
        Assert.Equal(new[] { "batch", "1" }, Dims(model.Graph.Output[1]));

        // Normalisation first: (input - 127.5) / 127.5.
        var nodes = model.Graph.Node;
        Assert.Equal(("Sub", "input"), (nodes[0].OpType, nodes[0].Input[0]));
        Assert.Equal(("Div", nodes[0].Output[0]), (nodes[1].OpType, nodes[1].Input[0]));
        Assert.Equal(new[] { 127.5f }, Floats(Initializer(model, nodes[0].Input[1])));
        Assert.Equal(new[] { 127.5f }, Floats(Initializer(model, nodes[1].Input[1])));

        // L2 normalisation last: ReduceL2(axes=[1], keepdims=1) then Div by it.
        var reduce = nodes[^2];
        Assert.Equal(("ReduceL2", "embedding_norm"), (reduce.OpType, reduce.Output[0]));
        Assert.Equal(new long[] { 1 }, reduce.Attribute.Single(a => a.Name == "axes").Ints);
        Assert.Equal(1, reduce.Attribute.Single(a => a.Name == "keepdims").I);
        Assert.Equal(("Div", "embedding"), (nodes[^1].OpType, nodes[^1].Output[0]));
        Assert.Equal(new[] { reduce.Input[0], "embedding_norm" }, nodes[^1].Input);

        Assert.All(nodes, n => Assert.Contains(n.OpType, PlainOperators));
    }

    [Theory]
    [InlineData(BackboneKind.Tiny, 4, 0, 0, 4)]
    // 15 bottlenecks of three convolutions, plus stem, stem_dw, conv_sep and gdc; 12 of them residual.
    [InlineData(BackboneKind.MobileFaceNet, (15 * 3) + 4, 0, 12, (15 * 2) + 3)]
    // Stem, two convolutions per block and one projection per stage; bn1 of every block plus output_bn
    // stay BatchNormalization because they precede a padded convolution or the head's flatten.
    [InlineData(BackboneKind.IResNet18, 21, 9, 8, 9)]
    [InlineData(BackboneKind.IResNet50, 1 + (24 * 2) + 4, 24 + 1, 24, 25)]
    public void Conv_bn_pairs_are_folded_and_other_norms_kept(BackboneKind kind, int convs, int batchNorms, int adds, int prelus)
    {
        foreach (bool preluOperator in new[] { false, true })
        {
            var model = Export(kind, preluOperator: preluOperator);
            var layerConvs = Nodes(model, "Conv").Where(n => !IsPReluPart(n)).ToArray();
            Assert.Equal(convs, layerConvs.Length);
            Assert.Equal(batchNorms, Nodes(model, "BatchNormalization").Count());
            Assert.Single(Nodes(model, "Flatten"));
            Assert.Single(Nodes(model, "Gemm"));
            if (preluOperator)
            {
                Assert.Equal(prelus, Nodes(model, "PRelu").Count());
                Assert.Equal(adds, Nodes(model, "Add").Count());
                Assert.Empty(Nodes(model, "Relu"));
            }
            else
            {
                // Each PReLU: two 1x1 depthwise convolutions, a Relu and an Add.
                Assert.Empty(Nodes(model, "PRelu"));
                Assert.Equal(2 * prelus, Nodes(model, "Conv").Count(IsPReluPart));
                Assert.Equal(prelus, Nodes(model, "Relu").Count());
                Assert.Equal(adds + prelus, Nodes(model, "Add").Count());
            }

            // Folding leaves no norm right after a convolution, and every layer convolution gets the norm's shift as a bias.
            var convOutputs = layerConvs.Select(n => n.Output[0]).ToHashSet();
            Assert.DoesNotContain(Nodes(model, "BatchNormalization"), n => convOutputs.Contains(n.Input[0]));
            Assert.All(layerConvs, n => Assert.Equal(3, n.Input.Count));
            // The head's BatchNorm1d is folded into the Gemm, which therefore has a bias even without fc.bias.
            Assert.Equal(3, Nodes(model, "Gemm").Single().Input.Count);
        }
    }

    [Fact]
    public void Prelu_is_decomposed_per_channel_or_kept_with_slopes_broadcasting_over_channels()
    {
        using var backbone = (MobileFaceNet)ExportTestKit.Backbone(BackboneKind.MobileFaceNet, 32, 16);
        float[] slopes = LayerReader.Values(((ConvBnPrelu)backbone.Trunk[0]).Activation.weight);

        var decomposed = OnnxExporter.ToModel(backbone, ModelCardAssembler.ForBackbone(backbone));
        var add = Nodes(decomposed, "Add").Single(n => n.Output[0] == "stem.prelu");
        var correction = Nodes(decomposed, "Conv").Single(n => n.Output[0] == add.Input[1]);
        var relu = Nodes(decomposed, "Relu").Single(n => n.Output[0] == correction.Input[0]);
        var negate = Nodes(decomposed, "Conv").Single(n => n.Output[0] == relu.Input[0]);
        Assert.Equal(add.Input[0], negate.Input[0]);
        foreach (var (conv, weights) in new[] { (negate, slopes.Select(_ => -1f)), (correction, slopes.Select(s => 1f - s)) })
        {
            Assert.Equal(64, conv.Attribute.Single(a => a.Name == "group").I);
            Assert.Equal(new long[] { 1, 1 }, conv.Attribute.Single(a => a.Name == "kernel_shape").Ints);
            Assert.Equal(new long[] { 64, 1, 1, 1 }, Initializer(decomposed, conv.Input[1]).Dims);
            Assert.Equal(weights.ToArray(), Floats(Initializer(decomposed, conv.Input[1])));
        }

        var withOperator = OnnxExporter.ToModel(backbone, ModelCardAssembler.ForBackbone(backbone), new OnnxExportOptions { PReluAsOperator = true });
        var prelu = Nodes(withOperator, "PRelu").Single(n => n.Output[0] == "stem.prelu");
        Assert.Equal(new long[] { 64, 1, 1 }, Initializer(withOperator, prelu.Input[1]).Dims);
        Assert.Equal(slopes, Floats(Initializer(withOperator, prelu.Input[1])));

        var stemDepthwise = Nodes(decomposed, "Conv").Single(n => n.Output[0] == "stem_dw.conv");
        Assert.Equal(64, stemDepthwise.Attribute.Single(a => a.Name == "group").I);
        var gdc = Nodes(decomposed, "Conv").Single(n => n.Output[0] == "gdc.conv");
        Assert.Equal(512, gdc.Attribute.Single(a => a.Name == "group").I);
        Assert.Equal(new long[] { 2, 2 }, gdc.Attribute.Single(a => a.Name == "kernel_shape").Ints);
        Assert.Equal(new long[] { 512, 1, 2, 2 }, Initializer(decomposed, gdc.Input[1]).Dims);
    }

    [Fact]
    public void Tensors_are_named_after_module_paths()
    {
        var model = Export(BackboneKind.IResNet18);
        var names = model.Graph.Initializer.Select(t => t.Name).ToHashSet();
        Assert.Contains("stem.conv.weight", names);
        Assert.Contains("layer3.0.conv2.weight", names);
        Assert.Contains("layer3.0.downsample.conv.bias", names);
        Assert.Contains("layer1.1.bn1.running_var", names);
        Assert.Contains("output_bn.running_mean", names);
        Assert.Contains("head.fc.weight", names);
        Assert.Contains(model.Graph.Node, n => n.Output[0] == "layer4.1.add");
    }

    private static float[] Floats(TensorProto tensor) =>
        System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(tensor.RawData.Span).ToArray();
}
