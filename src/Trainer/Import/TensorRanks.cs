using KappaFace.MLNet.Onnx.Graph;
using KappaFace.MLNet.Onnx.Proto;

namespace KappaFace.MLNet.Trainer.Import;

/// <summary>
/// The rank of every tensor of a graph, propagated from the image input (rank 4) through the
/// operators the importer supports, plus the element count of the small 1-d shape tensors of the
/// Shape/Gather/Unsqueeze/Concat/Reshape flatten idiom. The importer needs a batch norm's input rank to
/// choose a 1-d (<c>[N, C]</c>) or 2-d (<c>[N, C, H, W]</c>) layer.
/// </summary>
internal sealed class TensorRanks
{
    private readonly Dictionary<string, int> _rank = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _length = new(StringComparer.Ordinal);

    public TensorRanks(string input, int inputRank, IEnumerable<TensorProto> constants, IReadOnlyList<NodeProto> nodes, Func<NodeProto, long[]?> axesOf)
    {
        _rank[input] = inputRank;
        foreach (var constant in constants)
        {
            Define(constant.Name, constant.Dims.Count, constant.Dims.Count == 1 ? (int)constant.Dims[0] : null);
        }

        foreach (var node in nodes)
        {
            Propagate(node, axesOf);
        }
    }

    /// <summary>The tensor's rank, or null when the propagation could not follow it.</summary>
    public int? Of(string name) => _rank.TryGetValue(name, out var r) ? r : null;

    private void Define(string name, int? rank, int? length = null)
    {
        if (rank is { } r)
        {
            _rank[name] = r;
        }

        if (length is { } l)
        {
            _length[name] = l;
        }
    }

    private void Propagate(NodeProto node, Func<NodeProto, long[]?> axesOf)
    {
        int? R(int i) => i < node.Input.Count ? Of(node.Input[i]) : null;
        int? Len(int i) => i < node.Input.Count && _length.TryGetValue(node.Input[i], out var l) ? l : null;
        string output = node.Output.Count > 0 ? node.Output[0] : "";
        switch (node.OpType)
        {
            case "Constant":
                if (OnnxNodeAttributes.Find(node, "value") is { T: { } t })
                {
                    Define(output, t.Dims.Count, t.Dims.Count == 1 ? (int)t.Dims[0] : null);
                }
                else if (OnnxNodeAttributes.Ints(node, "value_ints") is { } ints)
                {
                    Define(output, 1, ints.Length);
                }
                else
                {
                    Define(output, 0);
                }

                break;
            case "Add" or "Sub" or "Mul" or "Div" or "Pow" or "MatMul" or "Max" or "Min" or "Sum":
                Define(output, node.Input.Select(i => Of(i)).Max());
                break;
            case "Flatten" or "Gemm":
                Define(output, 2);
                break;
            case "Shape":
                Define(output, 1, R(0));
                break;
            case "Gather":
                Define(output, R(0) + R(1) - 1);
                break;
            case "Unsqueeze":
                Define(output, R(0) + axesOf(node)?.Length, Len(0));
                break;
            case "Squeeze":
                Define(output, R(0) - axesOf(node)?.Length);
                break;
            case "Concat":
                Define(output, R(0), node.Input.All(i => _length.ContainsKey(i)) ? node.Input.Sum(i => _length[i]) : null);
                break;
            case "Reshape":
                Define(output, Len(1));
                break;
            case var op when op.StartsWith("Reduce", StringComparison.Ordinal):
                Define(output, OnnxNodeAttributes.IntOr(node, "keepdims", 1) == 1 ? R(0) : R(0) - axesOf(node)?.Length);
                break;
            default:
                // Element-wise operators, convolutions, pools and norms keep the rank.
                Define(output, R(0), Len(0));
                break;
        }
    }
}
