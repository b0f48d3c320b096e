using KappaFace.MLNet.Onnx.Graph;
using KappaFace.MLNet.Onnx.Proto;

namespace KappaFace.MLNet.Onnx.Quantization;

/// <summary>
/// Which nodes of a float graph run in int8 and which activations are quantised. Conv and Gemm with
/// float weight initialisers, and Add of two activations, are quantised (ONNX Runtime has integer
/// kernels for them: QLinearConv, QGemm, QLinearAdd); every other node stays float between a
/// DequantizeLinear and a QuantizeLinear. A Relu, or a Clip whose constant bounds hold 0 (ReLU6), that
/// is a convolution's only consumer is folded into the quantisation of that convolution's output: the
/// range calibrated on the activation's output lies inside its bounds and holds 0, so QuantizeLinear's
/// saturation to that range does all the clipping and the result equals quantising the activation's output.
/// </summary>
internal sealed class QuantizationPlan
{
    private QuantizationPlan(
        HashSet<NodeProto> quantizedNodes, Dictionary<NodeProto, NodeProto> foldedRelus, List<string> activations)
    {
        QuantizedNodes = quantizedNodes;
        FoldedRelus = foldedRelus;
        Activations = activations;
    }

    /// <summary>The Conv, Gemm and Add nodes that run in int8.</summary>
    public IReadOnlySet<NodeProto> QuantizedNodes { get; }

    /// <summary>Relu and Clip nodes removed, keyed by the convolution whose output they read.</summary>
    public IReadOnlyDictionary<NodeProto, NodeProto> FoldedRelus { get; }

    /// <summary>
    /// The activation tensors that get a QuantizeLinear/DequantizeLinear pair, in graph order, named as
    /// in the float graph (a folded convolution's output takes its Relu's name, whose range it needs).
    /// </summary>
    public IReadOnlyList<string> Activations { get; }

    public static QuantizationPlan Create(GraphProto graph)
    {
        var constants = graph.Initializer.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var initializers = constants.Keys.ToHashSet(StringComparer.Ordinal);
        var graphOutputs = graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        var consumers = new Dictionary<string, List<NodeProto>>(StringComparer.Ordinal);
        foreach (var node in graph.Node)
        {
            foreach (var input in node.Input.Where(i => i.Length > 0))
            {
                if (!consumers.TryGetValue(input, out var list))
                {
                    consumers[input] = list = [];
                }

                list.Add(node);
            }
        }

        bool IsActivation(string name) => name.Length > 0 && !initializers.Contains(name) && !graphOutputs.Contains(name);
        var quantized = new HashSet<NodeProto>(graph.Node.Where(n => IsQuantizable(n, initializers, IsActivation)));
        var folded = new Dictionary<NodeProto, NodeProto>();
        foreach (var conv in quantized.Where(n => n.OpType == "Conv"))
        {
            if (consumers.TryGetValue(conv.Output[0], out var readers) && readers is [var relu] && IsSaturation(relu, constants)
                && !graphOutputs.Contains(conv.Output[0]) && IsActivation(relu.Output[0]))
            {
                folded[conv] = relu;
            }
        }

        // Output names after folding, to decide which consumers are quantised.
        var activations = new List<string>();
        var chosen = new HashSet<string>(StringComparer.Ordinal);
        void Add(string name)
        {
            if (IsActivation(name) && chosen.Add(name))
            {
                activations.Add(name);
            }
        }

        foreach (var node in graph.Node.Where(quantized.Contains))
        {
            string output = folded.TryGetValue(node, out var relu) ? relu.Output[0] : node.Output[0];
            switch (node.OpType)
            {
                case "Add":
                    Add(node.Input[0]);
                    Add(node.Input[1]);
                    Add(output);
                    break;
                case "Conv":
                    Add(node.Input[0]);
                    Add(output);
                    break;
                default:
                    // Gemm: QGemm may give float; quantise its output only for an integer consumer.
                    Add(node.Input[0]);
                    if (consumers.TryGetValue(output, out var readers) && readers.Any(quantized.Contains))
                    {
                        Add(output);
                    }

                    break;
            }
        }

        return new QuantizationPlan(quantized, folded, activations);
    }

    /// <summary>A Relu, or a Clip with constant (or absent) bounds min &lt;= 0 &lt;= max: quantisation's saturation can do its work.</summary>
    private static bool IsSaturation(NodeProto node, Dictionary<string, TensorProto> constants)
    {
        if (node.Domain.Length != 0 || node.Output.Count != 1)
        {
            return false;
        }

        if (node.OpType == "Relu")
        {
            return true;
        }

        float? Bound(int index) => node.Input.Count <= index || node.Input[index].Length == 0 ? float.NaN
            : constants.TryGetValue(node.Input[index], out var t) && OnnxTensorData.Floats(t) is [var v] ? v : null;
        return node.OpType == "Clip" && Bound(1) is { } min && Bound(2) is { } max
            && (float.IsNaN(min) || min <= 0) && (float.IsNaN(max) || max >= 0);
    }

    private static bool IsQuantizable(NodeProto node, HashSet<string> initializers, Func<string, bool> isActivation) => node.OpType switch
    {
        "Conv" => node.Domain.Length == 0 && node.Input.Count >= 2 && isActivation(node.Input[0]) && initializers.Contains(node.Input[1])
                  && (node.Input.Count < 3 || initializers.Contains(node.Input[2])),
        "Gemm" => node.Domain.Length == 0 && node.Input.Count >= 2 && isActivation(node.Input[0]) && initializers.Contains(node.Input[1])
                  && (node.Input.Count < 3 || initializers.Contains(node.Input[2]))
                  && OnnxNodeAttributes.IntOr(node, "transA", 0) == 0
                  && OnnxNodeAttributes.FloatOr(node, "alpha", 1f) == 1f && OnnxNodeAttributes.FloatOr(node, "beta", 1f) == 1f,
        "Add" => node.Domain.Length == 0 && node.Input.Count == 2 && isActivation(node.Input[0]) && isActivation(node.Input[1]),
        _ => false,
    };
}
