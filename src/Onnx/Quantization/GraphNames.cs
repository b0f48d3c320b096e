using Google.Protobuf;
using KappaFace.MLNet.Onnx.Proto;

namespace KappaFace.MLNet.Onnx.Quantization;

/// <summary>The names in use in a graph being rewritten, handing out fresh ones; and raw-data tensors.</summary>
internal sealed class GraphNames
{
    private readonly HashSet<string> _used;

    public GraphNames(GraphProto graph)
    {
        _used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in graph.Node)
        {
            _used.UnionWith(node.Input);
            _used.UnionWith(node.Output);
            _used.Add(node.Name);
        }

        _used.UnionWith(graph.Initializer.Select(t => t.Name));
        _used.UnionWith(graph.Input.Select(i => i.Name));
    }

    /// <summary><paramref name="wanted"/> if unused, else <c>wanted_1</c>, <c>wanted_2</c>, ...; the name is then taken.</summary>
    public string Fresh(string wanted)
    {
        string name = wanted;
        for (int k = 1; !_used.Add(name); k++)
        {
            name = $"{wanted}_{k}";
        }

        return name;
    }

    /// <summary>A tensor of <paramref name="type"/> holding little-endian <paramref name="data"/> (ONNX raw_data).</summary>
    public static TensorProto Tensor(string name, TensorProto.Types.DataType type, ReadOnlySpan<byte> data, IEnumerable<long> dims)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)type, RawData = ByteString.CopyFrom(data) };
        tensor.Dims.AddRange(dims);
        return tensor;
    }
}
