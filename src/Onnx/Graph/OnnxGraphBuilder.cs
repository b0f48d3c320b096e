using System.Globalization;
using System.Runtime.InteropServices;
using Google.Protobuf;
using KappaFace.MLNet.Onnx.Proto;

namespace KappaFace.MLNet.Onnx.Graph;

/// <summary>
/// Builds an ONNX graph in order: typed float32 inputs, initialisers (float32 and int64, stored as
/// little-endian raw data), nodes with attributes, and outputs; then <see cref="Build"/> checks the
/// graph (<see cref="OnnxGraphValidator"/>) and wraps it in a model with IR version 8, opset 13 of the
/// default domain, producer and metadata. Not thread-safe; one builder per export.
/// </summary>
public sealed class OnnxGraphBuilder
{
    private readonly GraphProto _graph;
    private readonly HashSet<string> _tensorNames = new(StringComparer.Ordinal);
    private readonly HashSet<string> _reserved = new(StringComparer.Ordinal);
    private readonly HashSet<string> _nodeNames = new(StringComparer.Ordinal);

    /// <summary>Starts an empty graph.</summary>
    /// <param name="graphName">The graph's name (stored in the file).</param>
    public OnnxGraphBuilder(string graphName = "kappaface")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(graphName);
        _graph = new GraphProto { Name = graphName };
    }

    /// <summary>Number of nodes added so far.</summary>
    public int NodeCount => _graph.Node.Count;

    /// <summary>Number of initialisers added so far.</summary>
    public int InitializerCount => _graph.Initializer.Count;

    /// <summary>
    /// Returns a tensor name not used or handed out before: <paramref name="prefix"/> itself if free,
    /// else <c>prefix_1</c>, <c>prefix_2</c>, ... The name is reserved for the caller.
    /// </summary>
    /// <param name="prefix">The wanted name.</param>
    /// <returns>A fresh name.</returns>
    public string UniqueName(string prefix)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(prefix);
        var name = Fresh(prefix, n => _tensorNames.Contains(n) || _reserved.Contains(n));
        _reserved.Add(name);
        return name;
    }

    /// <summary>Declares a float32 graph input.</summary>
    /// <param name="name">Tensor name (e.g. <c>"input"</c>).</param>
    /// <param name="shape">Dimensions: fixed sizes or named dynamic dimensions.</param>
    /// <returns>The name.</returns>
    public string AddInput(string name, params ReadOnlySpan<TensorDim> shape)
    {
        var info = FloatValueInfo(name, shape);
        Define(name);
        _graph.Input.Add(info);
        return name;
    }

    /// <summary>
    /// Declares a float32 graph output. The tensor must be produced (by a node, initialiser or input)
    /// by the time <see cref="Build"/> runs.
    /// </summary>
    /// <param name="name">Tensor name.</param>
    /// <param name="shape">Dimensions: fixed sizes or named dynamic dimensions.</param>
    /// <returns>The name.</returns>
    public string AddOutput(string name, params ReadOnlySpan<TensorDim> shape)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (_graph.Output.Any(o => o.Name == name))
        {
            throw new OnnxGraphException($"Graph output '{name}' is declared twice.");
        }

        _graph.Output.Add(FloatValueInfo(name, shape));
        return name;
    }

    /// <summary>Adds a float32 initialiser (constant tensor).</summary>
    /// <param name="name">Tensor name; must not be defined yet (see <see cref="UniqueName"/>).</param>
    /// <param name="values">Values in row-major order.</param>
    /// <param name="shape">Shape; its product must equal the number of values (empty shape = scalar).</param>
    /// <returns>The name.</returns>
    public string AddInitializer(string name, ReadOnlySpan<float> values, params ReadOnlySpan<long> shape)
    {
        CheckCount(name, values.Length, shape);
        Define(name);
        _graph.Initializer.Add(Tensor(name, TensorProto.Types.DataType.Float, MemoryMarshal.AsBytes(values), shape));
        return name;
    }

    /// <summary>Adds an int64 initialiser (e.g. a Reshape target shape).</summary>
    /// <param name="name">Tensor name; must not be defined yet.</param>
    /// <param name="values">Values in row-major order.</param>
    /// <param name="shape">Shape; its product must equal the number of values (empty shape = scalar).</param>
    /// <returns>The name.</returns>
    public string AddInitializer(string name, ReadOnlySpan<long> values, params ReadOnlySpan<long> shape)
    {
        CheckCount(name, values.Length, shape);
        Define(name);
        _graph.Initializer.Add(Tensor(name, TensorProto.Types.DataType.Int64, MemoryMarshal.AsBytes(values), shape));
        return name;
    }

    /// <summary>
    /// Adds a copy of a tensor read from another model (any element type, raw or typed data) as an
    /// initialiser under <paramref name="name"/>.
    /// </summary>
    /// <param name="name">Tensor name; must not be defined yet.</param>
    /// <param name="tensor">The tensor; external data is not supported.</param>
    /// <returns>The name.</returns>
    public string AddInitializer(string name, TensorProto tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (tensor.DataLocation == TensorProto.Types.DataLocation.External || tensor.ExternalData.Count > 0)
        {
            throw new OnnxGraphException($"Initialiser '{tensor.Name}' keeps its data in an external file, which is not supported.");
        }

        var copy = tensor.Clone();
        copy.Name = name;
        Define(name);
        _graph.Initializer.Add(copy);
        return name;
    }

    /// <summary>Adds a node with one output.</summary>
    /// <param name="opType">Operator, e.g. <c>"Conv"</c> (default ONNX domain).</param>
    /// <param name="inputs">Input tensor names in operator order (empty string = omitted optional input).</param>
    /// <param name="output">Output tensor name; must not be defined yet.</param>
    /// <param name="attributes">Attributes, see <see cref="OnnxAttr"/>.</param>
    /// <returns>The output name, for chaining.</returns>
    public string AddNode(string opType, IReadOnlyList<string> inputs, string output, params AttributeProto[] attributes)
    {
        AddNode(opType, inputs, [output], attributes);
        return output;
    }

    /// <summary>Adds a node with any number of outputs.</summary>
    /// <param name="opType">Operator, e.g. <c>"BatchNormalization"</c> (default ONNX domain).</param>
    /// <param name="inputs">Input tensor names in operator order (empty string = omitted optional input).</param>
    /// <param name="outputs">Output tensor names; none may be defined yet.</param>
    /// <param name="attributes">Attributes, see <see cref="OnnxAttr"/>.</param>
    /// <returns>The node's generated name (e.g. <c>Conv_3</c>).</returns>
    public string AddNode(string opType, IReadOnlyList<string> inputs, IReadOnlyList<string> outputs, params AttributeProto[] attributes)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(opType);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(attributes);
        if (outputs.Count == 0)
        {
            throw new OnnxGraphException($"A {opType} node needs at least one output.");
        }

        var nodeName = Fresh(opType, _nodeNames.Contains);
        var fresh = new HashSet<string>(StringComparer.Ordinal);
        foreach (var output in outputs)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(output, nameof(outputs));
            if (_tensorNames.Contains(output) || !fresh.Add(output))
            {
                throw new OnnxGraphException(
                    $"Node '{nodeName}' ({opType}) output '{output}' is already defined; use UniqueName() for fresh names.");
            }
        }

        var node = new NodeProto { OpType = opType, Name = nodeName };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var attribute in attributes)
        {
            ArgumentNullException.ThrowIfNull(attribute);
            if (!seen.Add(attribute.Name))
            {
                throw new OnnxGraphException($"Node '{nodeName}' ({opType}) has attribute '{attribute.Name}' twice.");
            }

            node.Attribute.Add(attribute.Clone());
        }

        // Only now, with everything checked, does the builder change.
        _nodeNames.Add(nodeName);
        _tensorNames.UnionWith(outputs);
        _graph.Node.Add(node);
        return nodeName;
    }

    /// <summary>
    /// Checks the graph and returns a model: IR version <see cref="ModelContract.IrVersion"/>, opset
    /// <see cref="ModelContract.OpsetVersion"/> of the default domain, the producer and the metadata.
    /// The builder can keep being used; each call returns an independent copy.
    /// </summary>
    /// <param name="producerName">Producer name, e.g. <c>"KappaFace.MLNet"</c>.</param>
    /// <param name="producerVersion">Producer version.</param>
    /// <param name="metadata">The <c>metadata_props</c> entries (e.g. <c>ModelCard.ToMetadata()</c>); keys must be distinct.</param>
    /// <returns>The model.</returns>
    /// <exception cref="OnnxGraphException">The graph is not well formed.</exception>
    public ModelProto Build(string producerName, string producerVersion, IEnumerable<KeyValuePair<string, string>>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(producerName);
        ArgumentNullException.ThrowIfNull(producerVersion);
        var graph = _graph.Clone();
        OnnxGraphValidator.Validate(graph);

        var model = new ModelProto
        {
            IrVersion = ModelContract.IrVersion,
            ProducerName = producerName,
            ProducerVersion = producerVersion,
            Graph = graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = ModelContract.OpsetVersion });
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, value) in metadata ?? [])
        {
            ArgumentException.ThrowIfNullOrEmpty(key);
            if (!keys.Add(key))
            {
                throw new ArgumentException($"Metadata key '{key}' appears twice.", nameof(metadata));
            }

            model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value ?? string.Empty });
        }

        return model;
    }

    private static string Fresh(string prefix, Func<string, bool> isUsed)
    {
        if (!isUsed(prefix))
        {
            return prefix;
        }

        for (var i = 1; ; i++)
        {
            var candidate = prefix + "_" + i.ToString(CultureInfo.InvariantCulture);
            if (!isUsed(candidate))
            {
                return candidate;
            }
        }
    }

    private void Define(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (!_tensorNames.Add(name))
        {
            throw new OnnxGraphException($"Tensor '{name}' is already defined; use UniqueName() for fresh names.");
        }
    }

    private static void CheckCount(string name, int count, ReadOnlySpan<long> shape)
    {
        long expected = 1;
        foreach (var d in shape)
        {
            if (d < 0)
            {
                throw new ArgumentException($"Initialiser '{name}' has a negative dimension.", nameof(shape));
            }

            expected *= d;
        }

        if (expected != count)
        {
            throw new ArgumentException(
                $"Initialiser '{name}' has {count} values but its shape [{string.Join(", ", shape.ToArray())}] needs {expected}.",
                nameof(shape));
        }
    }

    private static TensorProto Tensor(string name, TensorProto.Types.DataType type, ReadOnlySpan<byte> littleEndian, ReadOnlySpan<long> shape)
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("ONNX raw_data is little-endian; big-endian hosts are not supported.");
        }

        var tensor = new TensorProto { Name = name, DataType = (int)type, RawData = ByteString.CopyFrom(littleEndian) };
        foreach (var d in shape)
        {
            tensor.Dims.Add(d);
        }

        return tensor;
    }

    private static ValueInfoProto FloatValueInfo(string name, ReadOnlySpan<TensorDim> shape)
    {
        var tensorShape = new TensorShapeProto();
        foreach (var dim in shape)
        {
            var d = new TensorShapeProto.Types.Dimension();
            if (dim.Name is { } symbol)
            {
                d.DimParam = symbol;
            }
            else if (dim.Size is { } size)
            {
                d.DimValue = size;
            }
            else
            {
                throw new ArgumentException($"Tensor '{name}' has an uninitialised dimension.", nameof(shape));
            }

            tensorShape.Dim.Add(d);
        }

        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto
            {
                TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = tensorShape },
            },
        };
    }
}
