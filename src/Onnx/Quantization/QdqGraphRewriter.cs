using System.Runtime.InteropServices;
using KappaFace.MLNet.Onnx.Graph;
using KappaFace.MLNet.Onnx.Proto;

namespace KappaFace.MLNet.Onnx.Quantization;

/// <summary>
/// Rewrites a float graph into ONNX Runtime's QDQ form (see docs/onnx-model.md): each planned activation
/// <c>t</c> becomes <c>t -&gt; QuantizeLinear -&gt; DequantizeLinear</c> and its readers read the dequantised
/// copy; each quantised Conv/Gemm reads its weights through a per-channel DequantizeLinear (int8,
/// zero point 0, <c>axis</c> = the output-channel axis) and its bias through an int32 DequantizeLinear
/// whose scales are input scale x weight scales. ONNX Runtime recognises these groups and replaces
/// them with integer kernels; elsewhere the DequantizeLinear/QuantizeLinear pairs bracket float operators.
/// </summary>
internal sealed class QdqGraphRewriter
{
    private readonly GraphProto _source;
    private readonly QuantizationPlan _plan;
    private readonly IReadOnlyDictionary<string, (float Scale, int ZeroPoint)> _activations;
    private readonly ActivationType _type;
    private readonly Dictionary<string, TensorProto> _initializers;
    private readonly GraphNames _names;
    private readonly GraphProto _target = new();

    public QdqGraphRewriter(
        GraphProto source, QuantizationPlan plan, IReadOnlyDictionary<string, (float Scale, int ZeroPoint)> activations, ActivationType type)
    {
        _source = source;
        _plan = plan;
        _activations = activations;
        _type = type;
        _initializers = source.Initializer.ToDictionary(t => t.Name, StringComparer.Ordinal);
        _names = new GraphNames(source);
    }

    /// <summary>Weight tensors quantised (one per quantised Conv or Gemm).</summary>
    public int QuantizedWeights { get; private set; }

    public GraphProto Rewrite()
    {
        _target.Name = _source.Name;
        _target.DocString = _source.DocString;
        _target.Input.AddRange(_source.Input.Select(i => i.Clone()));
        _target.Output.AddRange(_source.Output.Select(o => o.Clone()));
        var dequantized = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var input in _source.Input.Where(i => _activations.ContainsKey(i.Name)))
        {
            dequantized[input.Name] = QuantizeDequantize(input.Name);
        }

        var folded = _plan.FoldedRelus.Values.ToHashSet();
        var usedInitializers = new HashSet<string>(StringComparer.Ordinal);
        foreach (var original in _source.Node.Where(n => !folded.Contains(n)))
        {
            var node = original.Clone();
            if (_plan.FoldedRelus.TryGetValue(original, out var relu))
            {
                node.Output[0] = relu.Output[0];
            }

            for (int i = 0; i < node.Input.Count; i++)
            {
                if (dequantized.TryGetValue(node.Input[i], out var copy))
                {
                    node.Input[i] = copy;
                }
            }

            if (_plan.QuantizedNodes.Contains(original) && node.OpType is "Conv" or "Gemm")
            {
                QuantizeWeights(node, original);
            }

            usedInitializers.UnionWith(node.Input.Where(_initializers.ContainsKey));
            _target.Node.Add(node);
            foreach (var output in node.Output.Where(_activations.ContainsKey))
            {
                dequantized[output] = QuantizeDequantize(output);
            }
        }

        // Float weights now stored as int8 are dropped; everything else is kept in its order.
        var kept = _source.Initializer.Where(t => usedInitializers.Contains(t.Name)).ToList();
        var added = _target.Initializer.ToList();
        _target.Initializer.Clear();
        _target.Initializer.AddRange(kept);
        _target.Initializer.AddRange(added);
        return _target;
    }

    private string QuantizeDequantize(string tensor)
    {
        var (scale, zeroPoint) = _activations[tensor];
        string scaleName = AddInitializer(tensor + "_scale", TensorProto.Types.DataType.Float, MemoryMarshal.AsBytes([scale]));
        string zeroName = _type == ActivationType.U8
            ? AddInitializer(tensor + "_zero_point", TensorProto.Types.DataType.Uint8, [(byte)zeroPoint])
            : AddInitializer(tensor + "_zero_point", TensorProto.Types.DataType.Int8, [unchecked((byte)(sbyte)zeroPoint)]);
        string quantized = Fresh(tensor + "_quantized");
        string dequantized = Fresh(tensor + "_dequantized");
        AddNode("QuantizeLinear", [tensor, scaleName, zeroName], quantized, tensor + "_QuantizeLinear");
        AddNode("DequantizeLinear", [quantized, scaleName, zeroName], dequantized, tensor + "_DequantizeLinear");
        return dequantized;
    }

    private void QuantizeWeights(NodeProto node, NodeProto original)
    {
        var weight = _initializers[original.Input[1]];
        int axis = node.OpType == "Gemm" && OnnxNodeAttributes.IntOr(node, "transB", 0) != 1 ? 1 : 0;
        int channels = (int)weight.Dims[axis];
        int inner = (int)weight.Dims.Skip(axis + 1).Aggregate(1L, (a, b) => a * b);
        var (values, scales) = QuantizationParameters.SymmetricPerChannel(ReadFloats(weight), channels, inner);
        string weightInt8 = AddInitializer(weight.Name + "_quantized", TensorProto.Types.DataType.Int8, MemoryMarshal.AsBytes(values.AsSpan()), weight.Dims);
        string weightScale = AddInitializer(weight.Name + "_scale", TensorProto.Types.DataType.Float, MemoryMarshal.AsBytes(scales.AsSpan()), channels);
        string weightZero = AddInitializer(weight.Name + "_zero_point", TensorProto.Types.DataType.Int8, new byte[channels], channels);
        node.Input[1] = Dequantize(weightInt8, weightScale, weightZero, axis, weight.Name);
        QuantizedWeights++;

        if (node.Input.Count < 3 || node.Input[2].Length == 0)
        {
            return;
        }

        var bias = _initializers[original.Input[2]];
        if (bias.Dims.Count != 1 || bias.Dims[0] != channels || !_activations.TryGetValue(original.Input[0], out var input))
        {
            return;   // A broadcast bias stays float; ONNX Runtime then runs this node in float.
        }

        var (biasValues, biasScales) = QuantizationParameters.Bias(ReadFloats(bias), input.Scale, scales);
        string biasInt32 = AddInitializer(bias.Name + "_quantized", TensorProto.Types.DataType.Int32, MemoryMarshal.AsBytes(biasValues.AsSpan()), channels);
        string biasScale = AddInitializer(bias.Name + "_scale", TensorProto.Types.DataType.Float, MemoryMarshal.AsBytes(biasScales.AsSpan()), channels);
        string biasZero = AddInitializer(bias.Name + "_zero_point", TensorProto.Types.DataType.Int32, new byte[channels * sizeof(int)], channels);
        node.Input[2] = Dequantize(biasInt32, biasScale, biasZero, 0, bias.Name);
    }

    private string Dequantize(string quantized, string scale, string zeroPoint, int axis, string floatName)
    {
        string output = Fresh(floatName + "_dequantized");
        _target.Node.Add(new NodeProto
        {
            OpType = "DequantizeLinear",
            Name = Fresh(floatName + "_DequantizeLinear"),
            Input = { quantized, scale, zeroPoint },
            Output = { output },
            Attribute = { OnnxAttr.OfInt("axis", axis) },
        });
        return output;
    }

    private void AddNode(string opType, string[] inputs, string output, string name) =>
        _target.Node.Add(new NodeProto { OpType = opType, Name = Fresh(name), Input = { inputs }, Output = { output } });

    private string AddInitializer(string name, TensorProto.Types.DataType type, ReadOnlySpan<byte> littleEndian, params IEnumerable<long> dims)
    {
        var tensor = GraphNames.Tensor(_names.Fresh(name), type, littleEndian, dims);
        _target.Initializer.Add(tensor);
        return tensor.Name;
    }

    private string Fresh(string wanted) => _names.Fresh(wanted);

    /// <summary>The values of a float32 initialiser (only float models are quantised).</summary>
    public static float[] ReadFloats(TensorProto tensor) =>
        tensor.DataType == (int)TensorProto.Types.DataType.Float
            ? OnnxTensorData.Floats(tensor)
            : throw new OnnxGraphException($"Initialiser '{tensor.Name}' is {(TensorProto.Types.DataType)tensor.DataType}, not float32; only float models can be quantised.");
}
