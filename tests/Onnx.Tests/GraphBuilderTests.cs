using KappaFace.MLNet.Onnx.Graph;
using KappaFace.MLNet.Onnx.Proto;

namespace KappaFace.MLNet.Onnx.Tests;

public class GraphBuilderTests
{
    [Fact]
    public void Node_reading_an_unknown_tensor_is_named()
    {
        var b = new OnnxGraphBuilder();
        b.AddInput("x", "batch", 4);
        b.AddNode("Relu", ["x"], "r");
        b.AddNode("Add", ["r", "bias"], "y");
        b.AddOutput("y", "batch", 4);
        var ex = Assert.Throws<OnnxGraphException>(() => b.Build("t", "1"));
        Assert.Contains("'Add'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'bias'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Node_reading_a_later_tensor_is_refused()
    {
        // Hand-made graph out of topological order: the validator names node and tensor.
        var graph = new GraphProto();
        graph.Input.Add(new ValueInfoProto { Name = "x", Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = 1 } } });
        graph.Node.Add(new NodeProto { Name = "second", OpType = "Relu", Input = { "a" }, Output = { "b" } });
        graph.Node.Add(new NodeProto { Name = "first", OpType = "Relu", Input = { "x" }, Output = { "a" } });
        var ex = Assert.Throws<OnnxGraphException>(() => OnnxGraphValidator.Validate(graph));
        Assert.Contains("'second'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'a'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Output_never_produced_is_refused()
    {
        var b = new OnnxGraphBuilder();
        b.AddInput("x", "batch", 4);
        b.AddOutput("y", "batch", 4);
        var ex = Assert.Throws<OnnxGraphException>(() => b.Build("t", "1"));
        Assert.Contains("'y'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Names_are_single_assignment_and_UniqueName_hands_out_fresh_ones()
    {
        var b = new OnnxGraphBuilder();
        b.AddInput("x", "batch", 4);
        Assert.Throws<OnnxGraphException>(() => b.AddInitializer("x", [1f]));
        var r1 = b.UniqueName("relu");
        var r2 = b.UniqueName("relu");
        Assert.Equal("relu", r1);
        Assert.Equal("relu_1", r2);
        b.AddNode("Relu", ["x"], r1);
        Assert.Equal("relu_2", b.UniqueName("relu"));
        Assert.Equal("x_1", b.UniqueName("x"));
        var ex = Assert.Throws<OnnxGraphException>(() => b.AddNode("Relu", ["x"], r1));
        Assert.Contains("'relu'", ex.Message, StringComparison.Ordinal);

        b.AddNode("Relu", [r1], r2);
        b.AddOutput(r2, "batch", 4);
        var model = b.Build("t", "1");
        Assert.Equal(new[] { "Relu", "Relu_1" }, model.Graph.Node.Select(n => n.Name));
        Assert.Equal(2, b.NodeCount);
    }

    [Fact]
    public void Initialiser_shape_must_match_values()
    {
        var b = new OnnxGraphBuilder();
        var ex = Assert.Throws<ArgumentException>(() => b.AddInitializer("w", new float[5], 2, 3));
        Assert.Contains("'w'", ex.Message, StringComparison.Ordinal);
        b.AddInitializer("scalar", [2f]);
        b.AddInitializer("shape", [1L, -1L], 2);
        Assert.Equal(2, b.InitializerCount);
    }

    [Fact]
    public void Build_sets_ir_opset_producer_and_metadata_and_refuses_duplicate_keys()
    {
        var b = new OnnxGraphBuilder();
        b.AddInput("x", "batch", 2);
        b.AddNode("Identity", ["x"], "y");
        b.AddOutput("y", "batch", 2);
        var model = b.Build("KappaFace.MLNet", "9.9", [new("a", "1"), new("b", "2")]);
        Assert.Equal(ModelContract.IrVersion, model.IrVersion);
        Assert.Equal(ModelContract.OpsetVersion, model.OpsetImport.Single(o => o.Domain.Length == 0).Version);
        Assert.Equal("KappaFace.MLNet", model.ProducerName);
        Assert.Equal("9.9", model.ProducerVersion);
        Assert.Equal(new[] { "a", "b" }, model.MetadataProps.Select(p => p.Key));
        Assert.Throws<ArgumentException>(() => b.Build("p", "1", [new("a", "1"), new("a", "2")]));
    }

    [Fact]
    public void Attribute_names_are_unique_per_node()
    {
        var b = new OnnxGraphBuilder();
        b.AddInput("x", "batch", 2);
        Assert.Throws<OnnxGraphException>(() => b.AddNode("Flatten", ["x"], "y", OnnxAttr.OfInt("axis", 1), OnnxAttr.OfInt("axis", 0)));
    }
}
