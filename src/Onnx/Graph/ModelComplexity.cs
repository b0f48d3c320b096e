using KappaFace.MLNet.Onnx.Proto;

namespace KappaFace.MLNet.Onnx.Graph;

/// <summary>
/// The arithmetic work of one image through an embedding model: multiply-accumulates of its Conv, Gemm and
/// MatMul nodes, found by propagating the input's fixed <c>[C, H, W]</c> through the graph.
/// </summary>
/// <remarks>
/// Convolutions and matrix products are where a face network spends its time, so their MAC count (one
/// multiply plus one add each, 2 FLOPs) divided into a measured rate tells how close a runtime comes to the
/// machine's arithmetic peak. Element-wise nodes are propagated but not counted.
/// </remarks>
public sealed record ModelComplexity(long MultiplyAccumulates, long Parameters, IReadOnlyList<string> UncountedOperators)
{
    /// <summary>Floating-point operations per image: 2 x <see cref="MultiplyAccumulates"/>.</summary>
    public double Flops => 2.0 * MultiplyAccumulates;

    // Nodes whose output has the shape of their first input.
    private static readonly HashSet<string> ShapePreserving = new(StringComparer.Ordinal)
    {
        "Add", "Sub", "Mul", "Div", "Relu", "PRelu", "Sigmoid", "Clip", "BatchNormalization", "Identity", "Dropout",
    };

    /// <summary>Estimates the work of <paramref name="model"/> for one image.</summary>
    /// <param name="model">A model whose first input is <c>[batch, C, H, W]</c> with fixed C, H, W.</param>
    /// <param name="source">Names the model in error messages (a path, say).</param>
    /// <exception cref="OnnxModelException">The input shape is not fixed, or a Conv/Gemm/MatMul node's input shape cannot be
    /// followed (it comes after a node listed in <see cref="UncountedOperators"/>).</exception>
    public static ModelComplexity Estimate(ModelProto model, string? source = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        source ??= "(model)";
        GraphProto graph = model.Graph ?? throw new OnnxModelException(source, "the model has no graph");
        // An indexer, not ToDictionary: a (malformed) repeated initialiser name must not escape as ArgumentException.
        var initialisers = new Dictionary<string, long[]>(StringComparer.Ordinal);
        foreach (TensorProto tensor in graph.Initializer)
        {
            initialisers[tensor.Name] = [.. tensor.Dims];
        }

        var shapes = new Dictionary<string, long[]>(StringComparer.Ordinal);
        ValueInfoProto input = graph.Input.FirstOrDefault(i => !initialisers.ContainsKey(i.Name))
            ?? throw new OnnxModelException(source, "the graph has no input");
        shapes[input.Name] = InputShape(input, source);

        long macs = 0;
        var uncounted = new SortedSet<string>(StringComparer.Ordinal);
        foreach (NodeProto node in graph.Node)
        {
            long[]? first = node.Input.Count > 0 && shapes.TryGetValue(node.Input[0], out var s) ? s : null;
            long[]? output = null;
            switch (node.OpType)
            {
                case "Conv" when first is not null:
                    (output, long convMacs) = Conv(node, first, initialisers, source);
                    macs += convMacs;
                    break;
                case "Gemm" or "MatMul" when first is not null && initialisers.TryGetValue(node.Input[1], out var w) && w.Length == 2:
                    bool transposed = node.OpType == "Gemm" && node.Attribute.Any(a => a.Name == "transB" && a.I == 1);
                    long outFeatures = transposed ? w[0] : w[1];
                    macs += first[^1] * outFeatures;
                    output = [outFeatures];
                    break;
                case "Conv" or "Gemm" or "MatMul":
                    // Work after a node whose output shape is unknown would be silently missed: refuse instead.
                    throw new OnnxModelException(source, $"{node.OpType} node '{node.Name}' follows a node whose output shape cannot be followed ({string.Join(", ", uncounted)})");
                case "Flatten" when first is not null:
                    output = [first.Aggregate(1L, (a, b) => a * b)];
                    break;
                case "ReduceL2" or "ReduceSum" or "ReduceMean" when first is not null:
                    output = [1];
                    break;
                default:
                    if (first is not null && ShapePreserving.Contains(node.OpType))
                    {
                        output = first;
                    }
                    else
                    {
                        uncounted.Add(node.OpType);
                    }

                    break;
            }

            if (output is not null)
            {
                foreach (string name in node.Output)
                {
                    shapes[name] = output;
                }
            }
        }

        long parameters = graph.Initializer.Sum(t => t.Dims.Aggregate(1L, (a, b) => a * b));
        return new ModelComplexity(macs, parameters, [.. uncounted]);
    }

    private static long[] InputShape(ValueInfoProto input, string source)
    {
        var dims = input.Type?.TensorType?.Shape?.Dim;
        if (dims is null || dims.Count != 4 || dims.Skip(1).Any(d => d.ValueCase != TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue))
        {
            throw new OnnxModelException(source, $"input '{input.Name}' is not [batch, C, H, W] with fixed C, H, W");
        }

        return [dims[1].DimValue, dims[2].DimValue, dims[3].DimValue];
    }

    private static (long[] Output, long Macs) Conv(NodeProto node, long[] x, Dictionary<string, long[]> initialisers, string source)
    {
        if (x.Length != 3 || !initialisers.TryGetValue(node.Input[1], out var w) || w.Length != 4)
        {
            throw new OnnxModelException(source, $"Conv node '{node.Name}' has shapes that cannot be followed");
        }

        long[] strides = Ints(node, "strides", [1, 1]);
        long[] pads = Ints(node, "pads", [0, 0, 0, 0]);
        long[] dilations = Ints(node, "dilations", [1, 1]);
        long height = OutputSide(x[1], w[2], strides[0], pads[0] + pads[2], dilations[0]);
        long width = OutputSide(x[2], w[3], strides[1], pads[1] + pads[3], dilations[1]);
        // w is [out, in / groups, kh, kw]: each output element takes in/groups x kh x kw products.
        return ([w[0], height, width], height * width * w[0] * w[1] * w[2] * w[3]);
    }

    private static long OutputSide(long side, long kernel, long stride, long padding, long dilation) =>
        ((side + padding - (dilation * (kernel - 1)) - 1) / stride) + 1;

    private static long[] Ints(NodeProto node, string name, long[] fallback) =>
        node.Attribute.FirstOrDefault(a => a.Name == name) is { } attribute && attribute.Ints.Count > 0 ? [.. attribute.Ints] : fallback;
}
