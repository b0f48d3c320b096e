using System.Runtime.InteropServices;
using KappaFace.MLNet.Onnx.Graph;
using KappaFace.MLNet.Onnx.Proto;

namespace KappaFace.MLNet.Onnx.Quantization;

/// <summary>
/// Rewrites each inference BatchNormalization over an image tensor as the same affine map written as a
/// 1x1 depthwise convolution: <c>y = a x + b</c> per channel with <c>a = gamma / sqrt(var + eps)</c> and
/// <c>b = beta - mean a</c>. The batch norms an export cannot fold (those before a padded convolution,
/// as in IResNet blocks) then run as integer convolutions instead of float islands, each of which would
/// cost a layout change and a dequantise/quantise round trip.
/// </summary>
internal static class BatchNormToConv
{
    /// <summary>A copy of <paramref name="model"/> with the convertible batch norms replaced, and how many there were.</summary>
    public static (ModelProto Model, int Converted) Apply(ModelProto model)
    {
        var result = model.Clone();
        var graph = result.Graph;
        var initializers = graph.Initializer.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var images = ImageTensors(graph);
        var names = new GraphNames(graph);
        int converted = 0;
        for (int i = 0; i < graph.Node.Count; i++)
        {
            var node = graph.Node[i];
            if (node.OpType != "BatchNormalization" || node.Domain.Length != 0 || node.Input.Count != 5 || node.Output.Count != 1
                || !images.Contains(node.Input[0]) || !node.Input.Skip(1).All(initializers.ContainsKey))
            {
                continue;
            }

            float epsilon = OnnxNodeAttributes.FloatOr(node, "epsilon", 1e-5f);
            var (gamma, beta, mean, variance) = (Floats(initializers[node.Input[1]]), Floats(initializers[node.Input[2]]),
                Floats(initializers[node.Input[3]]), Floats(initializers[node.Input[4]]));
            int channels = gamma.Length;
            var weight = new float[channels];
            var bias = new float[channels];
            for (int c = 0; c < channels; c++)
            {
                weight[c] = (float)(gamma[c] / Math.Sqrt(variance[c] + (double)epsilon));
                bias[c] = (float)(beta[c] - (mean[c] * (double)weight[c]));
            }

            string weightName = names.Fresh(node.Output[0] + ".depthwise_weight");
            string biasName = names.Fresh(node.Output[0] + ".depthwise_bias");
            graph.Initializer.Add(GraphNames.Tensor(weightName, TensorProto.Types.DataType.Float, MemoryMarshal.AsBytes(weight.AsSpan()), [channels, 1, 1, 1]));
            graph.Initializer.Add(GraphNames.Tensor(biasName, TensorProto.Types.DataType.Float, MemoryMarshal.AsBytes(bias.AsSpan()), [channels]));
            graph.Node[i] = new NodeProto
            {
                OpType = "Conv",
                Name = node.Name,
                Input = { node.Input[0], weightName, biasName },
                Output = { node.Output[0] },
                Attribute = { OnnxAttr.OfInts("kernel_shape", 1, 1), OnnxAttr.OfInt("group", channels) },
            };
            converted++;
        }

        return (result, converted);
    }

    /// <summary>Tensors known to be NCHW images: inputs and outputs of Conv nodes, followed through Add, Relu and PRelu.</summary>
    private static HashSet<string> ImageTensors(GraphProto graph)
    {
        var images = new HashSet<string>(StringComparer.Ordinal);
        foreach (var conv in graph.Node.Where(n => n.OpType == "Conv"))
        {
            images.Add(conv.Input[0]);
            images.Add(conv.Output[0]);
        }

        // Shape-preserving element-wise nodes carry the property both ways; a few sweeps reach a fixed point.
        for (bool changed = true; changed;)
        {
            changed = false;
            foreach (var node in graph.Node.Where(n => n.OpType is "Add" or "Relu" or "PRelu" or "BatchNormalization"))
            {
                string data = node.Input[0];
                bool known = images.Contains(data) || images.Contains(node.Output[0]) || (node.OpType == "Add" && images.Contains(node.Input[1]));
                if (known)
                {
                    changed |= images.Add(data) | images.Add(node.Output[0]);
                }
            }
        }

        return images;
    }

    private static float[] Floats(TensorProto tensor) => QdqGraphRewriter.ReadFloats(tensor);
}
