using KappaFace.MLNet.Onnx.Proto;

namespace KappaFace.MLNet.Onnx.Graph;

/// <summary>Reads a node's attributes by name, with the defaults the operator's specification gives.</summary>
public static class OnnxNodeAttributes
{
    /// <summary>The attribute, or null when the node does not set it.</summary>
    /// <param name="node">The node.</param>
    /// <param name="name">Attribute name.</param>
    /// <returns>The attribute or null.</returns>
    public static AttributeProto? Find(NodeProto node, string name)
    {
        ArgumentNullException.ThrowIfNull(node);
        return node.Attribute.FirstOrDefault(a => a.Name == name);
    }

    /// <summary>An INT attribute, or <paramref name="fallback"/> when absent.</summary>
    /// <param name="node">The node.</param>
    /// <param name="name">Attribute name.</param>
    /// <param name="fallback">The operator's default.</param>
    /// <returns>The value.</returns>
    public static long IntOr(NodeProto node, string name, long fallback) =>
        Find(node, name) is { HasI: true } a ? a.I : fallback;

    /// <summary>A FLOAT attribute, or <paramref name="fallback"/> when absent.</summary>
    /// <param name="node">The node.</param>
    /// <param name="name">Attribute name.</param>
    /// <param name="fallback">The operator's default.</param>
    /// <returns>The value.</returns>
    public static float FloatOr(NodeProto node, string name, float fallback) =>
        Find(node, name) is { HasF: true } a ? a.F : fallback;

    /// <summary>An INTS attribute, or null when absent.</summary>
    /// <param name="node">The node.</param>
    /// <param name="name">Attribute name.</param>
    /// <returns>The values or null.</returns>
    public static long[]? Ints(NodeProto node, string name) =>
        Find(node, name) is { } a ? [.. a.Ints] : null;

    /// <summary>A STRING attribute (UTF-8), or <paramref name="fallback"/> when absent.</summary>
    /// <param name="node">The node.</param>
    /// <param name="name">Attribute name.</param>
    /// <param name="fallback">The operator's default.</param>
    /// <returns>The value.</returns>
    public static string TextOr(NodeProto node, string name, string fallback) =>
        Find(node, name) is { HasS: true } a ? a.S.ToStringUtf8() : fallback;

    /// <summary>How a node is named in messages: its name (when it has one) and operator.</summary>
    /// <param name="node">The node.</param>
    /// <returns>E.g. <c>node 'Conv_12' (Conv)</c>.</returns>
    public static string Describe(NodeProto node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return string.IsNullOrEmpty(node.Name)
            ? $"node ({node.OpType}) writing '{string.Join("', '", node.Output)}'"
            : $"node '{node.Name}' ({node.OpType})";
    }
}
