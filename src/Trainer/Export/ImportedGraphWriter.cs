using KappaFace.MLNet.Onnx.Graph;
using KappaFace.MLNet.Trainer.Import;

namespace KappaFace.MLNet.Trainer.Export;

/// <summary>
/// Writes an <see cref="OnnxGraphModule"/> back as ONNX nodes with its current values: each node as
/// it was read, float constants from the module's (possibly fine-tuned) parameters and buffers, and
/// each batch norm from its layer's affine parameters and running statistics (eval mode).
/// </summary>
internal sealed class ImportedGraphWriter(ExportGraph graph)
{
    private readonly Dictionary<string, string> _names = new(StringComparer.Ordinal);

    /// <summary>Emits the module from <paramref name="x"/> and returns the tensor holding its output.</summary>
    public string Write(OnnxGraphModule module, string x)
    {
        var builder = graph.Builder;
        _names[module.InputName] = x;
        foreach (var node in module.Nodes)
        {
            if (node.OpType == "Constant")
            {
                continue;
            }

            if (module.NormOf(node) is { } norm)
            {
                string path = node.Output[0];
                _names[node.Output[0]] = graph.BatchNorm(Input(module, node.Input[0]), path, LayerReader.BatchNorm(norm, path));
                continue;
            }

            var inputs = node.Input.Select(i => i.Length == 0 ? i : Input(module, i)).ToList();
            var outputs = node.Output.Select(o => o.Length == 0 ? o : _names[o] = builder.UniqueName(o)).ToList();
            builder.AddNode(node.OpType, inputs, outputs, [.. node.Attribute]);
        }

        return _names[module.OutputName];
    }

    private string Input(OnnxGraphModule module, string name)
    {
        if (_names.TryGetValue(name, out var mapped))
        {
            return mapped;
        }

        var builder = graph.Builder;
        if (module.FloatConstant(name) is { } value)
        {
            return _names[name] = builder.AddInitializer(builder.UniqueName(name), LayerReader.Values(value), value.shape);
        }

        if (module.IntegerConstant(name) is { } integers)
        {
            return _names[name] = builder.AddInitializer(builder.UniqueName(name), OnnxTensorData.Int64s(integers), [.. integers.Dims]);
        }

        throw new OnnxExportException($"The imported graph reads tensor '{name}', which nothing produces.");
    }
}
