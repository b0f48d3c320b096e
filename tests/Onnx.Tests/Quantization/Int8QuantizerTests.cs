using Google.Protobuf;
using KappaFace.MLNet.Onnx.Proto;
using KappaFace.MLNet.Onnx.Quantization;
using KappaFace.MLNet.Onnx.Graph;
using Microsoft.ML.OnnxRuntime;

namespace KappaFace.MLNet.Onnx.Tests.Quantization;

/// <summary>
/// Quantising the hand-built tiny model (Sub/Div, Conv, Relu, GlobalAveragePool, Flatten, Gemm,
/// ReduceL2/Div): the result keeps the contract and card, has the QDQ structure ONNX Runtime fuses into
/// integer kernels, and embeds close to the float model on images it was not calibrated on.
/// </summary>
public class Int8QuantizerTests
{
    private static readonly DateOnly Date = new(2025, 1, 2);

    private static float[][] Images(int count, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => Enumerable.Range(0, TinyModel.PixelsPerImage).Select(_ => (float)random.Next(256)).ToArray())];
    }

    private static Int8QuantizationResult Quantize(ModelProto model, Int8QuantizationOptions? options = null) =>
        Int8Quantizer.Quantize(model, Images(24, seed: 1), (options ?? new Int8QuantizationOptions()) with { Date = Date }, "tiny");

    [Theory]
    [InlineData(CalibrationMethod.MinMax, ActivationType.U8)]
    [InlineData(CalibrationMethod.Percentile, ActivationType.U8)]
    [InlineData(CalibrationMethod.MinMax, ActivationType.S8)]
    public void Int8_embeddings_stay_close_to_float_on_unseen_images(CalibrationMethod method, ActivationType type)
    {
        var model = TinyModel.Create().Build();
        var result = Quantize(model, new Int8QuantizationOptions { Method = method, Activations = type });
        float[][] unseen = Images(16, seed: 99);

        using var reference = FaceEmbedder.Open(model.ToByteArray(), new FaceEmbedderOptions { ExecutionProvider = "cpu" });
        using var quantized = FaceEmbedder.Open(result.Model.ToByteArray(), new FaceEmbedderOptions { ExecutionProvider = "cpu" });
        var expected = reference.Embed(unseen);
        var actual = quantized.Embed(unseen);
        for (int i = 0; i < unseen.Length; i++)
        {
            double cosine = expected.GetEmbedding(i).ToArray().Zip(actual.GetEmbedding(i).ToArray()).Sum(p => (double)p.First * p.Second);
            Assert.True(cosine > 0.98, $"image {i}: cosine {cosine}");
            Assert.Equal(expected.GetNorm(i), actual.GetNorm(i), expected.GetNorm(i) * 0.05);
        }

        // Quantisation changed the numbers (the comparison is not between two float models).
        Assert.NotEqual(expected.GetEmbedding(0).ToArray(), actual.GetEmbedding(0).ToArray());
        Assert.InRange(result.MinimumCosine, 0.98, 1.0001);
    }

    [Fact]
    public void Graph_has_per_channel_int8_weights_and_qdq_pairs_around_activations()
    {
        var tiny = TinyModel.Create();
        var result = Quantize(tiny.Build());
        var graph = result.Model.Graph;
        var initializers = graph.Initializer.ToDictionary(t => t.Name);
        var producers = graph.Node.SelectMany(n => n.Output.Select(o => (o, n))).ToDictionary(p => p.o, p => p.n);

        foreach (var node in graph.Node.Where(n => n.OpType is "Conv" or "Gemm"))
        {
            // Weights: int8 initialiser -> DequantizeLinear(axis 0) with one scale per output channel, zero points 0.
            var weights = producers[node.Input[1]];
            Assert.Equal("DequantizeLinear", weights.OpType);
            var values = initializers[weights.Input[0]];
            Assert.Equal((int)TensorProto.Types.DataType.Int8, values.DataType);
            Assert.Equal(0, weights.Attribute.Single(a => a.Name == "axis").I);
            long channels = values.Dims[0];
            Assert.Equal([channels], initializers[weights.Input[1]].Dims);
            Assert.All(initializers[weights.Input[2]].RawData.ToByteArray(), b => Assert.Equal(0, b));
            Assert.True(values.RawData.ToByteArray().Any(b => (sbyte)b is 127 or -127), "each channel's largest weight maps to +-127");
            Assert.DoesNotContain(values.RawData.ToByteArray(), b => (sbyte)b == -128);

            // Bias: int32 through DequantizeLinear; the activation input: QuantizeLinear -> DequantizeLinear.
            var bias = producers[node.Input[2]];
            Assert.Equal((int)TensorProto.Types.DataType.Int32, initializers[bias.Input[0]].DataType);
            var input = producers[node.Input[0]];
            Assert.Equal("DequantizeLinear", input.OpType);
            Assert.Equal("QuantizeLinear", producers[input.Input[0]].OpType);
        }

        Assert.Equal(tiny.ConvWeight.Length, initializers["conv.weight_quantized"].RawData.Length);
        Assert.DoesNotContain(graph.Initializer, t => t.Name == "conv.weight");   // The float copy is gone.
        // The Relu after the convolution is folded into the unsigned quantisation (zero point 0).
        Assert.DoesNotContain(graph.Node, n => n.OpType == "Relu");
        Assert.Equal(1, result.FoldedRelus);
        var convQuantize = graph.Node.Single(n => n.OpType == "QuantizeLinear" && producers[n.Input[0]].OpType == "Conv");
        Assert.Equal(0, initializers[convQuantize.Input[2]].RawData[0]);
        // Preprocessing and the final normalisation stay float and produce the contract's outputs.
        Assert.Equal(["Sub", "Div"], graph.Node.Take(2).Select(n => n.OpType));
        Assert.Equal("ReduceL2", producers[ModelContract.EmbeddingNormName].OpType);
        Assert.Equal("Div", producers[ModelContract.EmbeddingName].OpType);
        Assert.Equal("Gemm", producers[producers[ModelContract.EmbeddingName].Input[0]].OpType);
        Assert.Equal(2, result.QuantizedNodes);
        Assert.Equal(2, result.QuantizedWeights);
    }

    [Fact]
    public void Contract_and_card_carry_over_with_quantization_keys()
    {
        var model = TinyModel.Create().Build();
        var result = Quantize(model, new Int8QuantizationOptions { Method = CalibrationMethod.MinMax });
        var before = ModelCard.ReadFrom(model).ToMetadata().ToDictionary(p => p.Key, p => p.Value);
        var after = ModelCard.ReadFrom(result.Model).ToMetadata().ToDictionary(p => p.Key, p => p.Value);

        Assert.Equal("qdq-u8s8", after[ModelCardKeys.QuantizationScheme]);
        Assert.Equal("minmax", after[ModelCardKeys.QuantizationMethod]);
        Assert.Equal("24", after[ModelCardKeys.QuantizationCalibrationImages]);
        Assert.Equal("2025-01-02", after[ModelCardKeys.QuantizationDate]);
        Assert.Equal(before, after.Where(p => !p.Key.StartsWith("quantization.", StringComparison.Ordinal)).ToDictionary(p => p.Key, p => p.Value));
        Assert.Equal(model.Graph.Input.Select(i => i.ToString()), result.Model.Graph.Input.Select(i => i.ToString()));
        Assert.Equal(model.Graph.Output.Select(o => o.ToString()), result.Model.Graph.Output.Select(o => o.ToString()));
        Assert.Equal(model.OpsetImport, result.Model.OpsetImport);

        using var embedder = FaceEmbedder.Open(result.Model.ToByteArray(), new FaceEmbedderOptions { ExecutionProvider = "cpu" });
        Assert.Equal(TinyModel.Size, embedder.InputSize);
        Assert.Equal(TinyModel.Dim, embedder.EmbeddingSize);
    }

    [Fact]
    public void Onnx_Runtime_runs_the_convolution_with_an_integer_kernel()
    {
        var result = Quantize(TinyModel.Create().Build());
        using var dir = new TempDir();
        string optimized = dir.File("optimized.onnx");
        using (var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_EXTENDED, OptimizedModelFilePath = optimized })
        using (new InferenceSession(result.Model.ToByteArray(), options))
        {
        }

        var ops = OnnxModelFile.Load(optimized).Graph.Node.Select(n => n.OpType).ToList();
        Assert.Contains("QLinearConv", ops);
        Assert.DoesNotContain("Conv", ops);
        Assert.Contains("QGemm", ops);
    }

    [Fact]
    public void Bad_inputs_fail_with_clear_errors()
    {
        var model = TinyModel.Create().Build();
        var noImages = Assert.Throws<ArgumentException>(() => Int8Quantizer.Quantize(model, [], sourceName: "tiny"));
        Assert.Contains("No calibration images", noImages.Message);
        var wrongSize = Assert.Throws<ArgumentException>(() => Int8Quantizer.Quantize(model, [new float[5]], sourceName: "tiny"));
        Assert.Contains("expected 3 x 8 x 8", wrongSize.Message);

        var old = model.Clone();
        old.OpsetImport[0].Version = 12;
        Assert.Contains("opset 13", Assert.Throws<OnnxModelException>(() => Int8Quantizer.Quantize(old, Images(2, 1), sourceName: "tiny")).Message);

        var twice = Quantize(model).Model;
        Assert.Contains("already quantised", Assert.Throws<OnnxModelException>(() => Int8Quantizer.Quantize(twice, Images(2, 1), sourceName: "tiny")).Message);
    }
}

/// <summary>
/// Batch norms are removed before quantising with the same outputs: folded into the convolution they
/// follow when they are its only reader, otherwise rewritten as 1x1 depthwise convolutions.
/// </summary>
public class BatchNormToConvTests
{
    private static string BatchNorm(OnnxGraphBuilder b, string x, string name, float[] gamma, float[] beta, float[] mean, float[] variance) =>
        b.AddNode("BatchNormalization",
            [x, b.AddInitializer(name + ".g", gamma, 4), b.AddInitializer(name + ".b", beta, 4),
             b.AddInitializer(name + ".m", mean, 4), b.AddInitializer(name + ".v", variance, 4)],
            name, OnnxAttr.OfFloat("epsilon", 1e-3f));

    [Fact]
    public void Folded_and_depthwise_batch_norms_compute_the_same_outputs()
    {
        var b = new OnnxGraphBuilder("bn");
        string x = b.AddInput(ModelContract.InputName, "batch", 3, 8, 8);
        // conv1 (no bias) is read only by bn1: folded. conv2 (with bias) is read by bn2 and the Add: bn2 becomes a depthwise Conv.
        x = b.AddNode("Conv", [x, b.AddInitializer("w1", Enumerable.Range(0, 4 * 3 * 9).Select(i => (float)Math.Sin(i)).ToArray(), 4, 3, 3, 3)], "c1",
            OnnxAttr.OfInts("kernel_shape", 3, 3));
        x = BatchNorm(b, x, "bn1", [1.5f, -0.5f, 2f, 0.25f], [0.1f, 0.2f, -0.3f, 0f], [1f, -2f, 0.5f, 0f], [4f, 0.25f, 1f, 9f]);
        string c2 = b.AddNode("Conv",
            [x, b.AddInitializer("w2", Enumerable.Range(0, 16).Select(i => (float)Math.Cos(i)).ToArray(), 4, 4, 1, 1), b.AddInitializer("b2", [0.5f, -1f, 0f, 2f], 4)],
            "c2", OnnxAttr.OfInts("kernel_shape", 1, 1));
        string bn2 = BatchNorm(b, c2, "bn2", [0.5f, 1f, -1.5f, 3f], [0f, 1f, 0.5f, -0.2f], [0.2f, 0f, -1f, 1f], [1f, 2f, 0.5f, 0.1f]);
        x = b.AddNode("Add", [c2, bn2], "sum");
        x = b.AddNode("GlobalAveragePool", [x], "pool");
        b.AddOutput(x, "batch", 4, 1, 1);
        var model = b.Build("test", "1");

        var (converted, folded, depthwise) = BatchNormToConv.Apply(model);
        Assert.Equal(1, folded);
        Assert.Equal(1, depthwise);
        Assert.DoesNotContain(converted.Graph.Node, n => n.OpType == "BatchNormalization");
        Assert.Equal(3, converted.Graph.Node.Count(n => n.OpType == "Conv"));   // c1 (with bn1), c2, bn2 as depthwise.
        Assert.Equal(2, model.Graph.Node.Count(n => n.OpType == "BatchNormalization"));   // The input is not modified.
        Assert.Contains(converted.Graph.Node, n => n.OpType == "Conv" && n.Output[0] == "bn1" && n.Input.Count == 3);

        var pixels = Enumerable.Range(0, 2 * 3 * 64).Select(i => (float)Math.Cos(i * 0.37) * 50).ToArray();
        float[] Run(ModelProto m)
        {
            using var session = new InferenceSession(m.ToByteArray());
            using var input = OrtValue.CreateTensorValueFromMemory(pixels, [2, 3, 8, 8]);
            using var outputs = session.Run(new RunOptions(), [ModelContract.InputName], [input], ["pool"]);
            return outputs[0].GetTensorDataAsSpan<float>().ToArray();
        }

        var expected = Run(model);
        var actual = Run(converted);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], 1e-4 * (1 + Math.Abs(expected[i])));
        }
    }
}

/// <summary>Which activations fold into their convolution's quantisation.</summary>
public class QuantizationPlanTests
{
    private static QuantizationPlan Plan(float? min, float? max)
    {
        var b = new OnnxGraphBuilder("clip");
        string x = b.AddInput(ModelContract.InputName, "batch", 3, 8, 8);
        x = b.AddNode("Conv", [x, b.AddInitializer("w", new float[4 * 3], 4, 3, 1, 1)], "c", OnnxAttr.OfInts("kernel_shape", 1, 1));
        string low = min is { } a ? b.AddInitializer("low", [a]) : "";
        string[] inputs = max is { } m ? [x, low, b.AddInitializer("high", [m])] : min is null ? [x] : [x, low];
        x = b.AddNode("Clip", inputs, "clip");
        x = b.AddNode("Conv", [x, b.AddInitializer("w2", new float[4 * 4], 4, 4, 1, 1)], "c2", OnnxAttr.OfInts("kernel_shape", 1, 1));
        x = b.AddNode("GlobalAveragePool", [x], "pool");
        b.AddOutput(x, "batch", 4, 1, 1);
        return QuantizationPlan.Create(b.Build("test", "1").Graph);
    }

    [Theory]
    [InlineData(0f, 6f, true)]       // ReLU6
    [InlineData(-1f, 1f, true)]      // Bounds holding 0: the calibrated range (widened to 0) lies inside them.
    [InlineData(0f, null, true)]     // Relu written as Clip.
    [InlineData(null, null, true)]   // No bounds at all.
    [InlineData(0.5f, 6f, false)]    // The range widened to hold 0 would let values under 0.5 through.
    [InlineData(-6f, -1f, false)]
    public void Clip_folds_only_when_saturation_does_its_work(float? min, float? max, bool folds)
    {
        var plan = Plan(min, max);
        Assert.Equal(folds ? 1 : 0, plan.FoldedRelus.Count);
        // Folded: the first convolution's output is not quantised, the Clip's is (under its own name).
        Assert.Equal(!folds, plan.Activations.Contains("c"));
        Assert.Contains("clip", plan.Activations);
    }
}
