using KappaFace.MLNet.Onnx.Graph;
using KappaFace.MLNet.Onnx.Proto;

namespace KappaFace.MLNet.Onnx.Import;

/// <summary>
/// What the importer needs to know about a foreign model before rewriting it: its default-domain
/// opset, the image input and its size, the embedding tensor, the fixed batch size (if any), the
/// constant int64 tensors, and which nodes the embedding depends on.
/// </summary>
internal sealed class ForeignGraph
{
    private ForeignGraph(ModelProto model, string source)
    {
        Model = model;
        Source = source;
    }

    public ModelProto Model { get; }

    public string Source { get; }

    public GraphProto Graph => Model.Graph;

    public long Opset { get; private init; }

    public string InputName { get; private init; } = "";

    public string OutputName { get; private init; } = "";

    public int InputSize { get; private init; }

    /// <summary>The input's fixed batch size, or null when the source already has a dynamic batch.</summary>
    public long? FixedBatch { get; private init; }

    /// <summary>The embedding size when the source declares it, else null (found by a trial run).</summary>
    public int? DeclaredEmbeddingSize { get; private init; }

    /// <summary>True when the output is <c>[N, D, 1, 1]</c> and needs a Flatten.</summary>
    public bool OutputNeedsFlatten { get; private init; }

    /// <summary>Reads and checks a foreign model against the options.</summary>
    /// <exception cref="OnnxModelException">It is not an image-to-vector model; the message says why.</exception>
    public static ForeignGraph Analyse(ModelProto model, string source, FaceModelImportOptions options)
    {
        var graph = model.Graph;
        OnnxModelException Bad(string why) => new(source, why);
        long opset = model.OpsetImport.Where(o => o.Domain is "" or "ai.onnx").Select(o => o.Version).DefaultIfEmpty(0).Max();
        if (opset <= 0)
        {
            throw Bad("it imports no default-domain (ai.onnx) opset");
        }

        var initialisers = graph.Initializer.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        var inputs = graph.Input.Where(i => !initialisers.Contains(i.Name)).ToList();
        var input = PickInput(inputs, options.InputName, Bad);
        var dims = Dims(input);
        if (input.Type?.TensorType is not { } tensor || tensor.ElemType != (int)TensorProto.Types.DataType.Float)
        {
            throw Bad($"input '{input.Name}' is not a float32 tensor; an image-to-vector model takes float32 [batch, 3, H, W]");
        }

        if (dims.Length != 4)
        {
            throw Bad($"input '{input.Name}' has rank {dims.Length} {Show(dims)}; an image-to-vector model takes [batch, 3, H, W]");
        }

        if (dims[1] is { } channels && channels != ModelContract.Channels)
        {
            throw Bad($"input '{input.Name}' has {channels} channels {Show(dims)}; a colour face model takes 3 (NCHW layout)");
        }

        int size = ChooseInputSize(input.Name, dims, options.InputSize, Bad);
        var (outputName, declared, flatten) = PickOutput(graph, options.OutputName, Bad);
        return new ForeignGraph(model, source)
        {
            Opset = opset,
            InputName = input.Name,
            OutputName = outputName,
            InputSize = size,
            FixedBatch = dims[0],
            DeclaredEmbeddingSize = declared,
            OutputNeedsFlatten = flatten,
        };
    }

    /// <summary>The nodes the embedding depends on, in graph order (unused branches such as extra heads are dropped).</summary>
    public IReadOnlyList<NodeProto> NeededNodes()
    {
        var needed = OnnxGraphSlice.NodesFeeding(Graph, OutputName, InputName);
        if (!needed.Any(n => n.Input.Contains(InputName)))
        {
            throw new OnnxModelException(Source, $"tensor '{OutputName}' does not depend on the input '{InputName}'");
        }

        return needed;
    }

    /// <summary>The int64 values of every constant integer tensor (initialisers and Constant nodes), by name.</summary>
    public Dictionary<string, long[]> IntegerConstants()
    {
        var values = new Dictionary<string, long[]>(StringComparer.Ordinal);
        foreach (var tensor in Graph.Initializer.Where(IsInteger))
        {
            values[tensor.Name] = OnnxTensorData.Int64s(tensor);
        }

        foreach (var node in Graph.Node.Where(n => n.OpType == "Constant" && n.Output.Count == 1))
        {
            if (OnnxNodeAttributes.Find(node, "value") is { T: { } t } && IsInteger(t))
            {
                values[node.Output[0]] = OnnxTensorData.Int64s(t);
            }
            else if (OnnxNodeAttributes.Ints(node, "value_ints") is { } ints)
            {
                values[node.Output[0]] = ints;
            }
            else if (OnnxNodeAttributes.Find(node, "value_int") is { HasI: true } i)
            {
                values[node.Output[0]] = [i.I];
            }
        }

        return values;
    }

    private static bool IsInteger(TensorProto t) =>
        t.DataType is (int)TensorProto.Types.DataType.Int64 or (int)TensorProto.Types.DataType.Int32;

    private static ValueInfoProto PickInput(List<ValueInfoProto> inputs, string? wanted, Func<string, OnnxModelException> bad)
    {
        string names = string.Join(", ", inputs.Select(i => i.Name));
        if (wanted is not null)
        {
            var found = inputs.FirstOrDefault(i => i.Name == wanted)
                        ?? throw bad($"it has no input '{wanted}' (inputs: {names})");
            if (inputs.Count > 1)
            {
                throw bad($"it has other inputs besides '{wanted}' ({names}); an embedding model takes one image tensor");
            }

            return found;
        }

        return inputs.Count switch
        {
            1 => inputs[0],
            0 => throw bad("it has no input tensor"),
            _ => throw bad($"it has {inputs.Count} inputs ({names}); an embedding model takes one image tensor"),
        };
    }

    private static int ChooseInputSize(string name, long?[] dims, int? wanted, Func<string, OnnxModelException> bad)
    {
        if (dims[2] is { } h && dims[3] is { } w)
        {
            if (h != w)
            {
                throw bad($"input '{name}' is {h}x{w}; only square inputs are supported");
            }

            if (wanted is { } size && size != h)
            {
                throw bad($"input '{name}' is fixed at {h}x{w}, but size {size} was asked for");
            }

            return checked((int)h);
        }

        return wanted ?? throw bad($"input '{name}' has a dynamic height or width {Show(dims)}; give the input size (--size N)");
    }

    private static (string Name, int? Size, bool Flatten) PickOutput(GraphProto graph, string? wanted, Func<string, OnnxModelException> bad)
    {
        string names = string.Join(", ", graph.Output.Select(o => o.Name));
        ValueInfoProto? output;
        if (wanted is null)
        {
            output = graph.Output.Count == 1
                ? graph.Output[0]
                : throw bad($"it has {graph.Output.Count} outputs ({names}); name the embedding (--output NAME)");
        }
        else
        {
            output = graph.Output.FirstOrDefault(o => o.Name == wanted);
            if (output is null)
            {
                // Any intermediate tensor may be taken as the embedding; its shape is found by a trial run.
                return graph.Node.Any(n => n.Output.Contains(wanted))
                    ? (wanted, null, false)
                    : throw bad($"it has no output or node output '{wanted}' (outputs: {names})");
            }
        }

        if (output.Type?.TensorType is { } t && t.ElemType != (int)TensorProto.Types.DataType.Float)
        {
            throw bad($"output '{output.Name}' is not float32; an embedding is a float32 vector per image");
        }

        var dims = Dims(output);
        return dims.Length switch
        {
            0 => (output.Name, null, false),
            2 => (output.Name, dims[1] is { } d ? checked((int)d) : null, false),
            4 when dims[2] == 1 && dims[3] == 1 => (output.Name, dims[1] is { } d ? checked((int)d) : null, true),
            _ => throw bad($"output '{output.Name}' has shape {Show(dims)}; an embedding model outputs one vector per image, [batch, D]"),
        };
    }

    private static long?[] Dims(ValueInfoProto value) =>
        value.Type?.TensorType?.Shape is { } shape
            ? [.. shape.Dim.Select(d => d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue && d.DimValue > 0 ? d.DimValue : (long?)null)]
            : [];

    private static string Show(long?[] dims) => "[" + string.Join(", ", dims.Select(d => d?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?")) + "]";
}
