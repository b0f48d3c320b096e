using System.Text;
using KappaFace.MLNet.Onnx;
using KappaFace.MLNet.Onnx.Graph;
using KappaFace.MLNet.Onnx.Proto;
using KappaFace.MLNet.Trainer.Backbones;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace KappaFace.MLNet.Trainer.Import;

/// <summary>
/// A trainable TorchSharp module built from an ONNX graph, from one input tensor to one output tensor.
/// The weights of Conv, Gemm, MatMul, PRelu (and a bias added to a MatMul) become real
/// <see cref="Parameter"/>s; each BatchNormalization becomes a <see cref="StableBatchNorm"/> layer with
/// its running statistics, so train and eval mode behave as in PyTorch; other float constants (the
/// input normalisation, clip bounds) become buffers. The forward pass interprets the nodes in graph
/// order, including the Shape/Gather/Unsqueeze/Concat/Reshape flatten idiom, and reads the batch size
/// from the input, so any batch works. Unsupported operators fail at construction, naming the node.
/// </summary>
public sealed class OnnxGraphModule : nn.Module<Tensor, Tensor>
{
    /// <summary>The operators the forward pass implements.</summary>
    public static IReadOnlySet<string> SupportedOperators { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "Conv", "BatchNormalization", "Relu", "Clip", "PRelu", "Sigmoid", "Tanh", "LeakyRelu", "Neg", "Sqrt", "Exp", "Abs",
        "Add", "Sub", "Mul", "Div", "Gemm", "MatMul", "Flatten", "Shape", "Gather", "Unsqueeze", "Squeeze", "Concat", "Reshape",
        "Transpose", "GlobalAveragePool", "GlobalMaxPool", "MaxPool", "AveragePool", "Constant", "Identity", "Dropout",
        "ReduceL2", "ReduceMean",
    };

    private readonly List<NodeProto> _nodes;
    private readonly Dictionary<string, string> _trainable = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _buffers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TensorProto> _integers = new(StringComparer.Ordinal);
    private readonly Dictionary<NodeProto, StableBatchNorm> _norms = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<string> _registered = new(StringComparer.Ordinal);

    private OnnxGraphModule(GraphProto graph, string input, string output, string source)
        : base(nameof(OnnxGraphModule))
    {
        InputName = input;
        OutputName = output;
        _nodes = [.. OnnxGraphSlice.NodesFeeding(graph, output, input)];
        if (_nodes.Count == 0)
        {
            throw new OnnxImportException($"'{source}' has no node producing '{output}'.");
        }

        var initialisers = graph.Initializer.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var constants = new Dictionary<string, TensorProto>(initialisers, StringComparer.Ordinal);
        foreach (var node in _nodes.Where(n => n.OpType == "Constant"))
        {
            constants[node.Output[0]] = ConstantValue(node);
        }

        foreach (var node in _nodes)
        {
            if (!SupportedOperators.Contains(node.OpType) || (!string.IsNullOrEmpty(node.Domain) && node.Domain != "ai.onnx"))
            {
                throw new OnnxImportException(node.Name, node.OpType,
                    "the operator is not supported (supported: " + string.Join(", ", SupportedOperators.Order(StringComparer.Ordinal)) + ")");
            }
        }

        var producers = OnnxGraphSlice.Producers(_nodes);
        var trainable = TrainableInputs(constants, producers);
        var ranks = new TensorRanks(input, 4, constants.Values, _nodes, n => Axes(n));
        foreach (var node in _nodes)
        {
            if (node.OpType == "BatchNormalization")
            {
                _norms[node] = Norm(node, constants, ranks, producers);
            }
        }

        // Constants read only as a batch norm's statistics live in its layer; the others are kept here.
        var read = _nodes.SelectMany(n => n.OpType == "BatchNormalization" ? n.Input.Take(1) : n.Input).ToHashSet(StringComparer.Ordinal);
        foreach (var (name, tensor) in constants)
        {
            if (!read.Contains(name))
            {
                continue;
            }

            if (tensor.DataType is (int)TensorProto.Types.DataType.Int64 or (int)TensorProto.Types.DataType.Int32)
            {
                _integers[name] = tensor;
            }
            else if (trainable.Contains(name))
            {
                string key = Register(name);
                register_parameter(key, new Parameter(FloatTensor(tensor), requires_grad: true));
                _trainable[name] = key;
            }
            else
            {
                string key = Register(name);
                register_buffer(key, FloatTensor(tensor));
                _buffers[name] = key;
            }
        }
    }

    /// <summary>The graph tensor the module takes.</summary>
    public string InputName { get; }

    /// <summary>The graph tensor the module returns.</summary>
    public string OutputName { get; }

    /// <summary>The nodes the output depends on, in graph order.</summary>
    public IReadOnlyList<NodeProto> Nodes => _nodes;

    /// <summary>Builds the module from <paramref name="model"/>'s graph.</summary>
    /// <param name="model">The model.</param>
    /// <param name="inputName">The input tensor; null for the graph's only non-initialiser input.</param>
    /// <param name="outputName">The output tensor; null for the graph's first output.</param>
    /// <param name="source">A name for messages.</param>
    /// <returns>The module, in training mode as every new TorchSharp module.</returns>
    /// <exception cref="OnnxImportException">A node is unsupported or a tensor is missing; the message names the node.</exception>
    public static OnnxGraphModule FromModel(ModelProto model, string? inputName = null, string? outputName = null, string source = "<model>")
    {
        ArgumentNullException.ThrowIfNull(model);
        var graph = model.Graph;
        var initialisers = graph.Initializer.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        var inputs = graph.Input.Where(i => !initialisers.Contains(i.Name)).Select(i => i.Name).ToList();
        string input = inputName ?? (inputs.Count == 1 ? inputs[0] : throw new OnnxImportException(
            $"'{source}' has {inputs.Count} inputs ({string.Join(", ", inputs)}); name the one to import."));
        string output = outputName ?? graph.Output.FirstOrDefault()?.Name ?? throw new OnnxImportException($"'{source}' has no output.");
        return new OnnxGraphModule(graph, input, output, source);
    }

    /// <summary>Loads an ONNX file and builds the module (see <see cref="FromModel"/>).</summary>
    /// <param name="path">The .onnx file.</param>
    /// <param name="inputName">The input tensor, or null.</param>
    /// <param name="outputName">The output tensor, or null.</param>
    /// <returns>The module.</returns>
    /// <exception cref="OnnxModelException">The file is not ONNX.</exception>
    /// <exception cref="OnnxImportException">A node is unsupported.</exception>
    public static OnnxGraphModule Load(string path, string? inputName = null, string? outputName = null) =>
        FromModel(OnnxModelFile.Load(path), inputName, outputName, path);

    /// <summary>
    /// The nodes that hold weights, in graph (forward) order: each with its trainable parameters and, for a
    /// BatchNormalization, its layer (whose affine scale and shift are its parameters).
    /// </summary>
    public IReadOnlyList<GraphLayer> Layers()
    {
        var producers = OnnxGraphSlice.Producers(_nodes);
        var layers = new List<GraphLayer>();
        foreach (var node in _nodes)
        {
            if (_norms.TryGetValue(node, out var norm))
            {
                layers.Add(new GraphLayer(node, [.. norm.parameters()], norm));
                continue;
            }

            Parameter[] weights = [.. node.Input.Select(i => ConstantBehind(i, producers)).Distinct(StringComparer.Ordinal)
                .Where(_trainable.ContainsKey).Select(i => get_parameter(_trainable[i])).OfType<Parameter>()];
            if (weights.Length > 0)
            {
                layers.Add(new GraphLayer(node, weights, null));
            }
        }

        return layers;
    }

    /// <summary>The batch norm layer that runs <paramref name="node"/>, or null for other nodes.</summary>
    internal StableBatchNorm? NormOf(NodeProto node) => _norms.GetValueOrDefault(node);

    /// <summary>The current value of a float constant (parameter or buffer), or null.</summary>
    internal Tensor? FloatConstant(string name) =>
        _trainable.TryGetValue(name, out var p) ? get_parameter(p)
        : _buffers.TryGetValue(name, out var b) ? get_buffer(b)
        : null;

    /// <summary>An integer constant as written in the graph, or null.</summary>
    internal TensorProto? IntegerConstant(string name) => _integers.GetValueOrDefault(name);

    /// <inheritdoc/>
    public override Tensor forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var scope = torch.NewDisposeScope();
        var values = new Dictionary<string, Tensor>(StringComparer.Ordinal) { [InputName] = input };
        foreach (var node in _nodes)
        {
            if (node.OpType == "Constant")
            {
                continue;
            }

            try
            {
                values[node.Output[0]] = OnnxOperators.Run(node, i => Value(values, node, i, input.device), _norms.GetValueOrDefault(node), training);
            }
            catch (Exception e) when (e is not OnnxImportException and (ArgumentException or InvalidOperationException or System.Runtime.InteropServices.ExternalException))
            {
                throw new OnnxImportException(node.Name, node.OpType, "it failed at run time: " + e.Message, e);
            }
        }

        var output = values[OutputName];
        return ReferenceEquals(output, input) ? output.alias() : output.MoveToOuterDisposeScope();
    }

    private Tensor? Value(Dictionary<string, Tensor> values, NodeProto node, int index, Device device)
    {
        if (index >= node.Input.Count || node.Input[index].Length == 0)
        {
            return null;
        }

        string name = node.Input[index];
        if (values.TryGetValue(name, out var value))
        {
            return value;
        }

        if (FloatConstant(name) is { } constant)
        {
            return constant;
        }

        return _integers.TryGetValue(name, out var integers)
            ? torch.tensor(OnnxTensorData.Int64s(integers), [.. integers.Dims], ScalarType.Int64, device)
            : throw new OnnxImportException(node.Name, node.OpType, $"its input '{name}' is not produced before it");
    }

    /// <summary>
    /// The constant behind <paramref name="name"/>, looking through the shape-only nodes exporters put
    /// between a weight and its consumer (PyTorch writes a PReLU slope as Unsqueeze(slope), a shared
    /// tensor as Identity(tensor)).
    /// </summary>
    private static string ConstantBehind(string name, Dictionary<string, NodeProto> producers)
    {
        while (producers.TryGetValue(name, out var node) && node.OpType is "Identity" or "Unsqueeze" or "Reshape" or "Squeeze" or "Transpose")
        {
            name = node.Input[0];
        }

        return name;
    }

    private HashSet<string> TrainableInputs(Dictionary<string, TensorProto> constants, Dictionary<string, NodeProto> producers)
    {
        var trainable = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in _nodes)
        {
            IEnumerable<string> weights = node.OpType switch
            {
                "Conv" or "Gemm" or "PRelu" => node.Input.Skip(1),
                "MatMul" => node.Input,
                "Add" when node.Input.Any(i => producers.TryGetValue(i, out var p) && p.OpType is "MatMul" or "Conv") => node.Input,
                _ => [],
            };
            trainable.UnionWith(weights.Select(w => ConstantBehind(w, producers))
                .Where(w => constants.TryGetValue(w, out var t) && t.DataType == (int)TensorProto.Types.DataType.Float));
        }

        return trainable;
    }

    private StableBatchNorm Norm(NodeProto node, Dictionary<string, TensorProto> constants, TensorRanks ranks, Dictionary<string, NodeProto> producers)
    {
        TensorProto Get(int i) => i < node.Input.Count && producers.GetValueOrDefault(node.Input[i]) is null or { OpType: "Identity" }
                                  && constants.TryGetValue(ConstantBehind(node.Input[i], producers), out var t)
            ? t
            : throw new OnnxImportException(node.Name, node.OpType, $"its input {i} is not a constant (scale, bias, mean and variance must be)");
        int dimensions = ranks.Of(node.Input[0]) switch
        {
            4 => 2,
            2 or 3 => 1,
            var r => throw new OnnxImportException(node.Name, node.OpType, $"its input has rank {r?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unknown"}; 2, 3 or 4 is supported"),
        };
        float[] gamma = OnnxTensorData.Floats(Get(1));
        double momentum = 1 - OnnxNodeAttributes.FloatOr(node, "momentum", 0.9f);
        var norm = new StableBatchNorm(gamma.Length, dimensions, OnnxNodeAttributes.FloatOr(node, "epsilon", 1e-5f), momentum);
        using (torch.no_grad())
        {
            norm.weight!.copy_(torch.tensor(gamma));
            norm.bias!.copy_(torch.tensor(OnnxTensorData.Floats(Get(2))));
            norm.running_mean!.copy_(torch.tensor(OnnxTensorData.Floats(Get(3))));
            norm.running_var!.copy_(torch.tensor(OnnxTensorData.Floats(Get(4))));
        }

        register_module(Register(node.Output[0] + "_bn"), norm);
        return norm;
    }

    /// <summary>A parameter, buffer or module name: TorchSharp forbids dots, and names must be distinct.</summary>
    private string Register(string tensorName)
    {
        var text = new StringBuilder(tensorName.Length + 2);
        if (tensorName.Length == 0 || char.IsDigit(tensorName[0]))
        {
            text.Append('t');
        }

        foreach (char c in tensorName)
        {
            text.Append(char.IsAsciiLetterOrDigit(c) ? c : '_');
        }

        string name = text.ToString();
        for (int i = 1; !_registered.Add(name); i++)
        {
            name = text + "_" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return name;
    }

    private long[]? Axes(NodeProto node) =>
        OnnxNodeAttributes.Ints(node, "axes") ?? (node.Input.Count > 1 && _integers.TryGetValue(node.Input[1], out var t) ? OnnxTensorData.Int64s(t) : null);

    private static Tensor FloatTensor(TensorProto tensor) =>
        torch.tensor(OnnxTensorData.Floats(tensor), [.. tensor.Dims], ScalarType.Float32);

    private static TensorProto ConstantValue(NodeProto node)
    {
        if (OnnxNodeAttributes.Find(node, "value") is { T: { } t })
        {
            var copy = t.Clone();
            copy.Name = node.Output[0];
            return copy;
        }

        var tensor = new TensorProto { Name = node.Output[0] };
        if (OnnxNodeAttributes.Ints(node, "value_ints") is { Length: > 0 } ints)
        {
            tensor.DataType = (int)TensorProto.Types.DataType.Int64;
            tensor.Dims.Add(ints.Length);
            tensor.Int64Data.AddRange(ints);
        }
        else if (OnnxNodeAttributes.Find(node, "value_int") is { HasI: true } i)
        {
            tensor.DataType = (int)TensorProto.Types.DataType.Int64;
            tensor.Int64Data.Add(i.I);
        }
        else if (OnnxNodeAttributes.Find(node, "value_float") is { HasF: true } f)
        {
            tensor.DataType = (int)TensorProto.Types.DataType.Float;
            tensor.FloatData.Add(f.F);
        }
        else
        {
            throw new OnnxImportException(node.Name, node.OpType, "only value, value_int, value_ints and value_float constants are supported");
        }

        return tensor;
    }
}

/// <summary>One node of an imported graph that holds weights (see <see cref="OnnxGraphModule.Layers"/>).</summary>
/// <param name="Node">The graph node.</param>
/// <param name="Parameters">Its trainable tensors.</param>
/// <param name="Norm">Its batch norm layer when the node is a BatchNormalization, else null.</param>
public sealed record GraphLayer(NodeProto Node, IReadOnlyList<Parameter> Parameters, StableBatchNorm? Norm);
