using KappaFace.MLNet.Onnx.Graph;

namespace KappaFace.MLNet.Onnx.Tests;

public class ModelComplexityTests
{
    [Fact]
    public void Conv_and_gemm_work_is_counted_per_image()
    {
        // 3x9x9 -> Conv 3->4, 3x3, stride 2, pad 1 -> 4x5x5 -> depthwise Conv 4 groups, 3x3, pad 0, dilation 2
        // -> 4x1x1 -> Flatten -> 4 -> Gemm 4->6.
        var b = new OnnxGraphBuilder();
        b.AddInput("x", "batch", 3, 9, 9);
        string w1 = b.AddInitializer("w1", new float[4 * 3 * 3 * 3], 4, 3, 3, 3);
        string c1 = b.AddNode("Conv", ["x", w1], "c1", OnnxAttr.OfInts("kernel_shape", 3, 3), OnnxAttr.OfInts("strides", 2, 2), OnnxAttr.OfInts("pads", 1, 1, 1, 1));
        string r1 = b.AddNode("Relu", [c1], "r1");
        string w2 = b.AddInitializer("w2", new float[4 * 1 * 3 * 3], 4, 1, 3, 3);
        string c2 = b.AddNode("Conv", [r1, w2], "c2", OnnxAttr.OfInts("kernel_shape", 3, 3), OnnxAttr.OfInt("group", 4), OnnxAttr.OfInts("dilations", 2, 2));
        string f = b.AddNode("Flatten", [c2], "f", OnnxAttr.OfInt("axis", 1));
        string w3 = b.AddInitializer("w3", new float[6 * 4], 6, 4);
        b.AddNode("Gemm", [f, w3], "y", OnnxAttr.OfInt("transB", 1));
        b.AddOutput("y", "batch", 6);

        var complexity = ModelComplexity.Estimate(b.Build("t", "1"));

        // By hand: c1 has 5x5 outputs of 4 channels, each 3x3x3 products; c2 one output per channel with a
        // 3x3 dilated kernel over one input channel; the Gemm 4x6 products.
        long expected = (5 * 5 * 4 * 27) + (1 * 1 * 4 * 9) + (4 * 6);
        Assert.Equal(expected, complexity.MultiplyAccumulates);
        Assert.Equal(2.0 * expected, complexity.Flops);
        Assert.Equal((4 * 27) + (4 * 9) + (6 * 4), complexity.Parameters);
        Assert.Empty(complexity.UncountedOperators);
    }

    [Fact]
    public void Operators_it_cannot_follow_are_listed_not_guessed()
    {
        var b = new OnnxGraphBuilder();
        b.AddInput("x", "batch", 2, 4, 4);
        string pooled = b.AddNode("GlobalAveragePool", ["x"], "p");
        b.AddOutput(pooled, "batch", 2, 1, 1);

        var complexity = ModelComplexity.Estimate(b.Build("t", "1"));

        Assert.Equal(0, complexity.MultiplyAccumulates);
        Assert.Equal(["GlobalAveragePool"], complexity.UncountedOperators);
    }

    [Fact]
    public void Work_after_a_node_it_cannot_follow_is_refused_rather_than_left_out()
    {
        var b = new OnnxGraphBuilder();
        b.AddInput("x", "batch", 2, 4, 4);
        string pooled = b.AddNode("GlobalAveragePool", ["x"], "p");
        string w = b.AddInitializer("w", new float[3 * 2], 3, 2, 1, 1);
        b.AddNode("Conv", [pooled, w], "y", OnnxAttr.OfInts("kernel_shape", 1, 1));
        b.AddOutput("y", "batch", 3, 1, 1);

        var e = Assert.Throws<OnnxModelException>(() => ModelComplexity.Estimate(b.Build("t", "1"), "m.onnx"));
        Assert.Contains("Conv node '", e.Message, StringComparison.Ordinal);
        Assert.Contains("GlobalAveragePool", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_input_without_fixed_image_dimensions_is_refused_with_the_source_named()
    {
        var b = new OnnxGraphBuilder();
        b.AddInput("x", "batch", 3, "height", "width");
        b.AddNode("Relu", ["x"], "y");
        b.AddOutput("y", "batch", 3, "height", "width");

        var e = Assert.Throws<OnnxModelException>(() => ModelComplexity.Estimate(b.Build("t", "1"), "m.onnx"));
        Assert.Contains("m.onnx", e.Message, StringComparison.Ordinal);
        Assert.Contains("'x'", e.Message, StringComparison.Ordinal);
    }
}
