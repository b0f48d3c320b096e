using System.Runtime.InteropServices;
using KappaFace.MLNet.Onnx.Graph;
using KappaFace.MLNet.Onnx.Proto;

namespace KappaFace.MLNet.Onnx.Quantization;

/// <summary>
/// Removes each inference BatchNormalization over an image tensor, the same affine map per channel
/// <c>y = a x + b</c> with <c>a = gamma / sqrt(var + eps)</c> and <c>b = beta - mean a</c>:
/// folded into the convolution it follows when it is that convolution's only reader (weights times
/// <c>a</c> per output channel, bias <c>a bias + b</c>), as ONNX Runtime's own Conv+BatchNormalization
/// fusion does for the float model; otherwise written as a 1x1 depthwise convolution. Batch norms an
/// export cannot fold (those before a padded convolution, as in IResNet blocks) then run as integer
/// convolutions instead of float islands, each of which would cost a layout change and a
/// dequantise/quantise round trip; folded ones cost nothing (imported models often keep every batch norm).
/// </summary>
internal static class BatchNormToConv
{
    /// <summary>
    /// A copy of <paramref name="model"/> without its convertible batch norms, how many were folded into
    /// the convolution before them and how many became depthwise convolutions.
    /// </summary>
    public static (ModelProto Model, int Folded, int Converted) Apply(ModelProto model)
    {
        var result = model.Clone();
        var graph = result.Graph;
        var initializers = graph.Initializer.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var images = ImageTensors(graph);
        var names = new GraphNames(graph);
        var readers = graph.Node.SelectMany(n => n.Input).Concat(graph.Output.Select(o => o.Name))
            .GroupBy(name => name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var producers = new Dictionary<string, NodeProto>(StringComparer.Ordinal);
        var removed = new HashSet<NodeProto>();
        int folded = 0, converted = 0;
        for (int i = 0; i < graph.Node.Count; i++)
        {
            var node = graph.Node[i];
            foreach (var output in node.Output)
            {
                producers[output] = node;
            }

            if (node.OpType != "BatchNormalization" || node.Domain.Length != 0 || node.Input.Count != 5 || node.Output.Count != 1
                || !images.Contains(node.Input[0]) || !node.Input.Skip(1).All(initializers.ContainsKey))
            {
                continue;
            }

            var (scale, shift) = AffineMap(node, initializers);
            if (producers.TryGetValue(node.Input[0], out var conv) && IsFoldable(conv, node, initializers, readers))
            {
                FoldInto(conv, node.Output[0], scale, shift, initializers, graph, names);
                producers[node.Output[0]] = conv;
                removed.Add(node);
                folded++;
                continue;
            }

            int channels = scale.Length;
            string weightName = names.Fresh(node.Output[0] + ".depthwise_weight");
            string biasName = names.Fresh(node.Output[0] + ".depthwise_bias");
            graph.Initializer.Add(GraphNames.Tensor(weightName, TensorProto.Types.DataType.Float, MemoryMarshal.AsBytes(scale.AsSpan()), [channels, 1, 1, 1]));
            graph.Initializer.Add(GraphNames.Tensor(biasName, TensorProto.Types.DataType.Float, MemoryMarshal.AsBytes(shift.AsSpan()), [channels]));
            graph.Node[i] = new NodeProto
            {
                OpType = "Conv",
                Name = node.Name,
                Input = { node.Input[0], weightName, biasName },
                Output = { node.Output[0] },
                Attribute = { OnnxAttr.OfInts("kernel_shape", 1, 1), OnnxAttr.OfInt("group", channels) },
            };
            producers[node.Output[0]] = graph.Node[i];
            converted++;
        }

        var kept = graph.Node.Where(n => !removed.Contains(n)).ToList();
        graph.Node.Clear();
        graph.Node.AddRange(kept);

        // The batch norms' parameters and the weights they were folded into are read by nothing now.
        var read = kept.SelectMany(n => n.Input).ToHashSet(StringComparer.Ordinal);
        var used = graph.Initializer.Where(t => read.Contains(t.Name)).ToList();
        graph.Initializer.Clear();
        graph.Initializer.AddRange(used);
        return (result, folded, converted);
    }

    /// <summary>The per-channel scale <c>a</c> and shift <c>b</c> of an inference batch norm.</summary>
    private static (float[] Scale, float[] Shift) AffineMap(NodeProto node, Dictionary<string, TensorProto> initializers)
    {
        float epsilon = OnnxNodeAttributes.FloatOr(node, "epsilon", 1e-5f);
        var (gamma, beta, mean, variance) = (Floats(initializers[node.Input[1]]), Floats(initializers[node.Input[2]]),
            Floats(initializers[node.Input[3]]), Floats(initializers[node.Input[4]]));
        var scale = new float[gamma.Length];
        var shift = new float[gamma.Length];
        for (int c = 0; c < gamma.Length; c++)
        {
            scale[c] = (float)(gamma[c] / Math.Sqrt(variance[c] + (double)epsilon));
            shift[c] = (float)(beta[c] - (mean[c] * (double)scale[c]));
        }

        return (scale, shift);
    }

    /// <summary>A plain Conv with constant weights (and bias) whose output only this batch norm reads.</summary>
    private static bool IsFoldable(NodeProto conv, NodeProto batchNorm, Dictionary<string, TensorProto> initializers, Dictionary<string, int> readers) =>
        conv.OpType == "Conv" && conv.Domain.Length == 0 && conv.Output.Count == 1 && conv.Input.Count is 2 or 3
        && initializers.TryGetValue(conv.Input[1], out var weight) && weight.Dims.Count >= 2
        && weight.Dims[0] == initializers[batchNorm.Input[1]].Dims.Aggregate(1L, (a, b) => a * b)
        && (conv.Input.Count == 2 || conv.Input[2].Length == 0 || initializers.ContainsKey(conv.Input[2]))
        && readers.GetValueOrDefault(conv.Output[0]) == 1;

    /// <summary>Gives <paramref name="conv"/> new weights and bias (fresh initialisers; others may share the old ones) and the batch norm's output.</summary>
    private static void FoldInto(
        NodeProto conv, string output, float[] scale, float[] shift, Dictionary<string, TensorProto> initializers, GraphProto graph, GraphNames names)
    {
        var weight = initializers[conv.Input[1]];
        var values = Floats(weight);
        int inner = values.Length / scale.Length;
        for (int k = 0; k < values.Length; k++)
        {
            values[k] *= scale[k / inner];
        }

        var bias = (float[])shift.Clone();
        if (conv.Input.Count == 3 && conv.Input[2].Length > 0)
        {
            var old = Floats(initializers[conv.Input[2]]);
            for (int c = 0; c < bias.Length; c++)
            {
                bias[c] += scale[c] * old[c];
            }
        }

        string weightName = names.Fresh(output + ".folded_weight");
        string biasName = names.Fresh(output + ".folded_bias");
        graph.Initializer.Add(GraphNames.Tensor(weightName, TensorProto.Types.DataType.Float, MemoryMarshal.AsBytes(values.AsSpan()), weight.Dims));
        graph.Initializer.Add(GraphNames.Tensor(biasName, TensorProto.Types.DataType.Float, MemoryMarshal.AsBytes(bias.AsSpan()), [bias.Length]));
        conv.Input[1] = weightName;
        if (conv.Input.Count == 3)
        {
            conv.Input[2] = biasName;
        }
        else
        {
            conv.Input.Add(biasName);
        }

        conv.Output[0] = output;
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
