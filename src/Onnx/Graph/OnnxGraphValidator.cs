using KappaFace.MLNet.Onnx.Proto;

namespace KappaFace.MLNet.Onnx.Graph;

/// <summary>
/// Structural checks of a graph in single-assignment, topological form: every node input is a graph
/// input, an initialiser or the output of an earlier node; no tensor is defined twice; every graph
/// output is defined; every input and output is typed.
/// </summary>
public static class OnnxGraphValidator
{
    /// <summary>Checks <paramref name="graph"/>.</summary>
    /// <param name="graph">The graph.</param>
    /// <exception cref="OnnxGraphException">The first problem found, naming the node and tensor.</exception>
    public static void Validate(GraphProto graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var defined = new HashSet<string>(StringComparer.Ordinal);
        foreach (var input in graph.Input)
        {
            if (input.Type?.TensorType is null)
            {
                throw new OnnxGraphException($"Graph input '{input.Name}' has no tensor type.");
            }

            if (!defined.Add(input.Name))
            {
                throw new OnnxGraphException($"Graph input '{input.Name}' is declared twice.");
            }
        }

        // An initialiser may also be listed as a graph input (IR >= 4 allows both), but not twice.
        var initialisers = new HashSet<string>(StringComparer.Ordinal);
        foreach (var init in graph.Initializer)
        {
            if (string.IsNullOrEmpty(init.Name))
            {
                throw new OnnxGraphException("An initialiser has no name.");
            }

            if (!initialisers.Add(init.Name))
            {
                throw new OnnxGraphException($"Initialiser '{init.Name}' is defined twice.");
            }
        }

        defined.UnionWith(initialisers);

        for (var n = 0; n < graph.Node.Count; n++)
        {
            var node = graph.Node[n];
            var label = Describe(node, n);
            if (string.IsNullOrEmpty(node.OpType))
            {
                throw new OnnxGraphException($"{label} has no op_type.");
            }

            foreach (var input in node.Input)
            {
                // An empty name marks an omitted optional input.
                if (input.Length > 0 && !defined.Contains(input))
                {
                    throw new OnnxGraphException(
                        $"{label} reads tensor '{input}', which is not produced by an earlier node, " +
                        "an initialiser or a graph input.");
                }
            }

            foreach (var output in node.Output)
            {
                if (output.Length > 0 && !defined.Add(output))
                {
                    throw new OnnxGraphException($"{label} writes tensor '{output}', which is already defined.");
                }
            }
        }

        foreach (var output in graph.Output)
        {
            if (output.Type?.TensorType is null)
            {
                throw new OnnxGraphException($"Graph output '{output.Name}' has no tensor type.");
            }

            if (!defined.Contains(output.Name))
            {
                throw new OnnxGraphException(
                    $"Graph output '{output.Name}' is not produced by any node, initialiser or graph input.");
            }
        }
    }

    private static string Describe(NodeProto node, int index) =>
        string.IsNullOrEmpty(node.Name)
            ? $"Node #{index} ({node.OpType})"
            : $"Node '{node.Name}' ({node.OpType})";
}
