using KappaFace.MLNet.Onnx.Graph;
using KappaFace.MLNet.Onnx.Proto;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace KappaFace.MLNet.Trainer.Tests.Import;

/// <summary>
/// Foreign models built in the test, in the forms other tools write: opset 10 (Clip bounds and
/// Unsqueeze axes as attributes), a batch fixed at 1, a Reshape that hard-codes it, the
/// Shape/Gather/Unsqueeze/Concat/Reshape flatten, a BatchNormalization with non-trivial statistics,
/// PRelu, pooling, Dropout, and tensor names that clash with the contract's (<c>input</c>,
/// <c>embedding</c>). Plus an ONNX Runtime runner.
/// </summary>
internal static class ForeignModels
{
    public const int Size = 16;
    public const int Dim = 5;

    /// <summary>The tiny foreign model; <paramref name="batch"/> is its fixed batch, null for a dynamic one.</summary>
    public static ModelProto Tiny(long? batch = 1, int opset = 10, int seed = 3)
    {
        var rng = new Random(seed);
        float[] Random(int n, double scale, double offset = 0) => [.. Enumerable.Range(0, n).Select(_ => (float)(offset + (scale * ((rng.NextDouble() * 2) - 1))))];
        var b = new OnnxGraphBuilder("foreign");
        TensorDim batchDim = batch is { } n ? n : "N";
        string x = b.AddInput("input", batchDim, 3, Size, Size);
        x = b.AddNode("Conv", [x, b.AddInitializer("c1.w", Random(4 * 3 * 9, 0.4), 4, 3, 3, 3), b.AddInitializer("c1.b", Random(4, 0.1), 4)], "c1",
            OnnxAttr.OfInts("kernel_shape", 3, 3), OnnxAttr.OfInts("strides", 2, 2), OnnxAttr.OfInts("pads", 1, 1, 1, 1));
        x = b.AddNode("BatchNormalization", [x, b.AddInitializer("bn.g", Random(4, 0.3, 1), 4), b.AddInitializer("bn.b", Random(4, 0.2), 4),
            b.AddInitializer("bn.m", Random(4, 0.3), 4), b.AddInitializer("bn.v", Random(4, 0.4, 1), 4)], "bn", OnnxAttr.OfFloat("epsilon", 1e-5f), OnnxAttr.OfFloat("momentum", 0.9f));
        x = opset < 11
            ? b.AddNode("Clip", [x], "relu6", OnnxAttr.OfFloat("min", 0f), OnnxAttr.OfFloat("max", 6f))
            : b.AddNode("Clip", [x, b.AddInitializer("lo", [0f]), b.AddInitializer("hi", [6f])], "relu6");
        x = b.AddNode("PRelu", [x, b.AddInitializer("slope", Random(4, 0.2, 0.25), 4, 1, 1)], "prelu");
        x = b.AddNode("MaxPool", [x], "pool", OnnxAttr.OfInts("kernel_shape", 2, 2), OnnxAttr.OfInts("strides", 2, 2));
        x = b.AddNode("Conv", [x, b.AddInitializer("c2.w", Random(6 * 4 * 9, 0.4), 6, 4, 3, 3)], "c2",
            OnnxAttr.OfInts("kernel_shape", 3, 3), OnnxAttr.OfInts("pads", 0, 0, 1, 1));
        x = b.AddNode("Relu", [x], "relu");
        x = b.AddNode("GlobalAveragePool", [x], "gap");
        string shape = b.AddNode("Shape", [x], "shape");
        string first = b.AddNode("Gather", [shape, b.AddInitializer("zero", [0L])], "n", OnnxAttr.OfInt("axis", 0));
        string unsqueezed = opset < 13
            ? b.AddNode("Unsqueeze", [first], "n1", OnnxAttr.OfInts("axes", 0))
            : b.AddNode("Unsqueeze", [first, b.AddInitializer("axes0", [0L], 1)], "n1");
        string target = b.AddNode("Concat", [unsqueezed, b.AddInitializer("minus1", [-1L], 1)], "target", OnnxAttr.OfInt("axis", 0));
        x = b.AddNode("Reshape", [x, target], "flat");
        x = opset < 12
            ? b.AddNode("Dropout", [x], "dropped", OnnxAttr.OfFloat("ratio", 0.5f))
            : b.AddNode("Dropout", [x, b.AddInitializer("ratio", [0.5f])], "dropped");
        x = b.AddNode("Gemm", [x, b.AddInitializer("fc.w", Random(Dim * 6, 0.5), Dim, 6), b.AddInitializer("fc.b", Random(Dim, 0.1), Dim)], "fc", OnnxAttr.OfInt("transB", 1));
        if (batch is { } fixedBatch)
        {
            // What an exporter tracing at batch 1 writes: the batch spelled out in a constant shape.
            x = b.AddNode("Reshape", [x, b.AddInitializer("fixed_shape", [fixedBatch, Dim], 2)], "embedding");
        }
        else
        {
            x = b.AddNode("Identity", [x], "embedding");
        }

        b.AddOutput(x, batchDim, Dim);
        var model = b.Build("test", "1");
        model.OpsetImport[0].Version = opset;
        return model;
    }

    /// <summary>Deterministic pixels in 0..255, [count, 3, size, size].</summary>
    public static float[] Pixels(int count, int size, int seed)
    {
        var rng = new Random(seed);
        return [.. Enumerable.Range(0, count * 3 * size * size).Select(_ => (float)rng.Next(256))];
    }

    /// <summary>Runs a model in ONNX Runtime on one input and returns the named outputs.</summary>
    public static Dictionary<string, float[]> Run(ModelProto model, string input, float[] data, int[] shape, params string[] outputs)
    {
        using var options = new SessionOptions { LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
        using var session = new InferenceSession(Google.Protobuf.MessageExtensions.ToByteArray(model), options);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(input, new DenseTensor<float>(data, shape))], outputs);
        return results.ToDictionary(r => r.Name, r => r.AsTensor<float>().ToArray());
    }

    /// <summary>A copy of <paramref name="model"/> whose first input and output dimension is symbolic, so ONNX Runtime accepts any batch.</summary>
    public static ModelProto WithSymbolicBatch(ModelProto model)
    {
        var copy = model.Clone();
        foreach (var value in copy.Graph.Input.Concat(copy.Graph.Output))
        {
            if (value.Type?.TensorType?.Shape is { Dim.Count: > 0 } shape)
            {
                shape.Dim[0] = new TensorShapeProto.Types.Dimension { DimParam = "N" };
            }
        }

        copy.Graph.ValueInfo.Clear();
        return copy;
    }

    /// <summary>The source's preprocessing applied by hand: planes reordered, then (x / scale - mean) / std.</summary>
    public static float[] Preprocess(float[] rgb, int count, int size, bool bgr, float scale, float[] mean, float[] std)
    {
        int plane = size * size;
        var result = new float[rgb.Length];
        for (int n = 0; n < count; n++)
        {
            for (int c = 0; c < 3; c++)
            {
                int from = bgr ? 2 - c : c;
                for (int i = 0; i < plane; i++)
                {
                    float v = rgb[(((n * 3) + from) * plane) + i];
                    result[(((n * 3) + c) * plane) + i] = ((v / scale) - mean[c]) / std[c];
                }
            }
        }

        return result;
    }

    public static double MaxAbsDiff(float[] a, float[] b) => Export.EmbeddingBatch.MaxAbs(a, b);
}
