using KappaFace.MLNet.Onnx.Proto;

namespace KappaFace.MLNet.Onnx.Graph;

/// <summary>The part of a graph one tensor depends on, for importers that keep only what an output needs.</summary>
public static class OnnxGraphSlice
{
    /// <summary>Each tensor's producing node (later definitions win, as in a graph that is not single-assignment).</summary>
    /// <param name="nodes">The nodes.</param>
    /// <returns>Tensor name to node.</returns>
    public static Dictionary<string, NodeProto> Producers(IEnumerable<NodeProto> nodes)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        var producers = new Dictionary<string, NodeProto>(StringComparer.Ordinal);
        foreach (var node in nodes)
        {
            foreach (var output in node.Output.Where(o => o.Length > 0))
            {
                producers[output] = node;
            }
        }

        return producers;
    }

    /// <summary>
    /// The nodes <paramref name="output"/> depends on, in graph order, walking back from it and stopping
    /// at <paramref name="input"/> (so nodes before the input, such as a replaced preprocessing, are left out).
    /// </summary>
    /// <param name="graph">The graph.</param>
    /// <param name="output">The tensor wanted.</param>
    /// <param name="input">A tensor to stop at, or null.</param>
    /// <returns>The nodes; empty when no node produces <paramref name="output"/>.</returns>
    public static IReadOnlyList<NodeProto> NodesFeeding(GraphProto graph, string output, string? input = null)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentException.ThrowIfNullOrEmpty(output);
        var producers = Producers(graph.Node);
        var needed = new HashSet<NodeProto>(ReferenceEqualityComparer.Instance);
        var pending = new Stack<string>([output]);
        while (pending.TryPop(out var name))
        {
            if (name != input && producers.TryGetValue(name, out var node) && needed.Add(node))
            {
                foreach (var i in node.Input.Where(i => i.Length > 0))
                {
                    pending.Push(i);
                }
            }
        }

        return [.. graph.Node.Where(needed.Contains)];
    }
}
