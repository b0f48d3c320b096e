using KappaFace.MLNet.Onnx.Graph;
using KappaFace.MLNet.Onnx.Proto;

namespace KappaFace.MLNet.Onnx.Import;

/// <summary>A node rewritten for the target opset: operator, inputs, outputs and attributes.</summary>
/// <param name="OpType">The operator.</param>
/// <param name="Inputs">Input tensor names.</param>
/// <param name="Outputs">Output tensor names.</param>
/// <param name="Attributes">Attributes.</param>
internal sealed record ConvertedNode(string OpType, List<string> Inputs, List<string> Outputs, List<AttributeProto> Attributes);

/// <summary>
/// Rewrites one node of a model written at another opset into its opset-13 form (the contract's
/// opset, <see cref="ModelContract.OpsetVersion"/>). Each operator the importer accepts is listed with
/// the first opset from which its meaning equals opset 13's (the ONNX operator changelog,
/// docs/Changelog.md of the ONNX repository); where only the signature moved (an attribute became an
/// input, as Clip's min/max at opset 11 and Unsqueeze's axes at opset 13), the node is rewritten and
/// the new inputs become int64 or float initialisers. Operators whose meaning changed in a way a
/// rewrite cannot express, or that are not listed, are refused with the node named.
/// </summary>
internal static class OpsetConversion
{
    /// <summary>Operators whose opset-13 meaning holds from the given source opset on, as they are.</summary>
    private static readonly Dictionary<string, long> Unchanged = new(StringComparer.Ordinal)
    {
        ["Add"] = 7, ["Sub"] = 7, ["Mul"] = 7, ["Div"] = 7, ["Pow"] = 7, ["PRelu"] = 7, ["Gemm"] = 7,
        ["Relu"] = 6, ["Sigmoid"] = 6, ["Tanh"] = 6, ["Abs"] = 6, ["Neg"] = 6, ["Exp"] = 6, ["Log"] = 6,
        ["Sqrt"] = 6, ["Reciprocal"] = 6, ["LeakyRelu"] = 6, ["Elu"] = 6, ["HardSigmoid"] = 6, ["Selu"] = 6,
        ["Cast"] = 6, ["Tile"] = 6,
        ["Conv"] = 1, ["MatMul"] = 1, ["Flatten"] = 1, ["GlobalAveragePool"] = 1, ["GlobalMaxPool"] = 1,
        ["MaxPool"] = 1, ["AveragePool"] = 1, ["Gather"] = 1, ["Constant"] = 1, ["Identity"] = 1, ["Transpose"] = 1,
        ["Concat"] = 4, ["Max"] = 8, ["Min"] = 8, ["Sum"] = 8, ["Mean"] = 8, ["Expand"] = 8, ["ConstantOfShape"] = 9,
        ["Softmax"] = 13, ["LogSoftmax"] = 13,
    };

    /// <summary>Reductions whose axes stay an attribute until opset 18.</summary>
    private static readonly HashSet<string> AttributeReductions = new(StringComparer.Ordinal)
    {
        "ReduceL1", "ReduceL2", "ReduceMax", "ReduceMean", "ReduceMin", "ReduceProd", "ReduceSumSquare", "ReduceLogSumExp",
    };

    /// <summary>Converts <paramref name="node"/> (written at <paramref name="version"/>) to opset 13.</summary>
    /// <param name="node">The node, tensor names already final.</param>
    /// <param name="version">The source model's default-domain opset.</param>
    /// <param name="constants">Adds an int64 initialiser and returns its name.</param>
    /// <param name="floatConstants">Adds a float initialiser and returns its name.</param>
    /// <param name="valueOf">The int64 values of a constant tensor (initialiser or Constant), or null.</param>
    /// <param name="source">The model, for messages.</param>
    /// <returns>The converted node.</returns>
    /// <exception cref="OnnxModelException">The operator or one of its settings has no opset-13 form.</exception>
    public static ConvertedNode Convert(
        NodeProto node, long version, Func<string, long[], string> constants, Func<string, float, string> floatConstants,
        Func<string, long[]?> valueOf, string source)
    {
        var result = new ConvertedNode(node.OpType, [.. node.Input], [.. node.Output], [.. node.Attribute.Select(a => a.Clone())]);
        OnnxModelException Refuse(string why) => new(source, $"{OnnxNodeAttributes.Describe(node)} at opset {version}: {why}");

        if (!string.IsNullOrEmpty(node.Domain) && node.Domain != "ai.onnx")
        {
            throw Refuse($"operators of domain '{node.Domain}' are not supported (only the default ONNX domain)");
        }

        switch (node.OpType)
        {
            case var op when Unchanged.TryGetValue(op, out var since):
                if (version < since)
                {
                    throw Refuse($"its meaning before opset {since} differs from opset 13's; re-export the model at opset {since} or later");
                }

                return result;
            case var op when AttributeReductions.Contains(op):
                if (version >= 18 && result.Inputs.Count > 1)
                {
                    // Opset 18 moved axes to an input; opset 13 wants the attribute.
                    long[] axes = valueOf(result.Inputs[1]) ?? throw Refuse("its axes are not a constant");
                    result.Inputs.RemoveRange(1, result.Inputs.Count - 1);
                    result.Attributes.Add(OnnxAttr.OfInts("axes", axes));
                }

                return result;
            case "Clip":
                if (version < 11)
                {
                    // Opset 11 turned min and max into optional inputs; the defaults are the float limits.
                    float min = OnnxNodeAttributes.FloatOr(node, "min", float.MinValue);
                    float max = OnnxNodeAttributes.FloatOr(node, "max", float.MaxValue);
                    result.Attributes.RemoveAll(a => a.Name is "min" or "max");
                    result.Inputs.Add(floatConstants("clip_min", min));
                    result.Inputs.Add(floatConstants("clip_max", max));
                }

                return result;
            case "Unsqueeze" or "Squeeze" or "ReduceSum" or "Split":
                string listName = node.OpType == "Split" ? "split" : "axes";
                if (version < 13 && OnnxNodeAttributes.Ints(node, listName) is { } list)
                {
                    result.Attributes.RemoveAll(a => a.Name == listName);
                    result.Inputs.Add(constants(node.OpType.ToLowerInvariant() + "_" + listName, list));
                }

                if (version >= 18 && node.OpType == "Split" && OnnxNodeAttributes.Find(node, "num_outputs") is not null)
                {
                    throw Refuse("'num_outputs' has no opset-13 form");
                }

                return result;
            case "Dropout":
                // Inference graphs only: in eval mode Dropout passes its input through.
                if (result.Outputs.Count > 1 && result.Outputs[1].Length > 0)
                {
                    throw Refuse("its mask output is used");
                }

                return new ConvertedNode("Identity", [result.Inputs[0]], [result.Outputs[0]], []);
            case "BatchNormalization":
                if (OnnxNodeAttributes.IntOr(node, "spatial", 1) != 1)
                {
                    throw Refuse("spatial = 0 (per-element statistics) has no opset-13 form");
                }

                if (OnnxNodeAttributes.IntOr(node, "training_mode", 0) != 0)
                {
                    throw Refuse("training_mode = 1 is not an inference graph");
                }

                if (result.Outputs.Skip(1).Any(o => o.Length > 0))
                {
                    throw Refuse("its training-mode statistics outputs are used");
                }

                result.Attributes.RemoveAll(a => a.Name is "spatial" or "is_test" or "consumed_inputs" or "training_mode");
                result.Outputs.RemoveRange(1, result.Outputs.Count - 1);
                return result;
            case "Reshape":
                if (version < 5)
                {
                    long[] shape = OnnxNodeAttributes.Ints(node, "shape") ?? throw Refuse("it has no shape");
                    result.Attributes.RemoveAll(a => a.Name == "shape");
                    result.Inputs.Add(constants("reshape_shape", shape));
                }

                if (OnnxNodeAttributes.IntOr(node, "allowzero", 0) != 0)
                {
                    throw Refuse("allowzero = 1 has no opset-13 form");
                }

                result.Attributes.RemoveAll(a => a.Name == "allowzero");
                return result;
            case "Shape":
                if (OnnxNodeAttributes.Find(node, "start") is not null || OnnxNodeAttributes.Find(node, "end") is not null)
                {
                    throw Refuse("'start'/'end' (opset 15) have no opset-13 form");
                }

                return result;
            case "Slice":
                if (version < 10)
                {
                    long[] starts = OnnxNodeAttributes.Ints(node, "starts") ?? throw Refuse("it has no starts");
                    long[] ends = OnnxNodeAttributes.Ints(node, "ends") ?? throw Refuse("it has no ends");
                    result.Inputs.Add(constants("slice_starts", starts));
                    result.Inputs.Add(constants("slice_ends", ends));
                    if (OnnxNodeAttributes.Ints(node, "axes") is { } axes)
                    {
                        result.Inputs.Add(constants("slice_axes", axes));
                    }

                    result.Attributes.Clear();
                }

                return result;
            default:
                throw Refuse("the importer does not support this operator (supported: " +
                             string.Join(", ", Unchanged.Keys.Concat(AttributeReductions)
                                 .Concat(["Clip", "Unsqueeze", "Squeeze", "ReduceSum", "Split", "Dropout", "BatchNormalization", "Reshape", "Shape", "Slice"])
                                 .Order(StringComparer.Ordinal)) + ")");
        }
    }
}
