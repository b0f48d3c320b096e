using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using KappaFace.MLNet.Cli.Output;
using KappaFace.MLNet.Onnx;
using KappaFace.MLNet.Onnx.Graph;
using KappaFace.MLNet.Onnx.Proto;

namespace KappaFace.MLNet.Cli.Commands;

/// <summary>
/// <c>kappaface info</c>: describes an ONNX model file (inputs, outputs with named dimensions, the
/// model card) without creating an ONNX Runtime session, so it also works on files that break the
/// embedding contract. JSON shape: docs/cli.md.
/// </summary>
internal static class InfoCommand
{
    public static Command Create()
    {
        var model = new Option<FileInfo>("--model") { Description = "The ONNX model file.", Required = true };
        var json = new Option<string?>("--json") { Description = "Write the description as JSON to FILE (- for stdout)." };
        var command = new Command("info", "Show a model's inputs, outputs and model card (metadata).") { model, json };
        command.SetAction((parse, token) => CommandRunner.RunAsync(_ =>
        {
            string path = parse.GetValue(model)!.FullName;
            var document = Describe(OnnxModelFile.Load(path), path);
            if (parse.GetValue(json) is { } target)
            {
                TrainingReportJson.Write(document, target);
            }

            if (parse.GetValue(json) != "-")
            {
                Console.Out.Write(Format(path, document));
            }

            return CommandRunner.Ok;
        }, token));
        return command;
    }

    /// <summary>The <c>info --json</c> document.</summary>
    public static JsonObject Describe(ModelProto model, string? source = null)
    {
        // Older files also list initialisers as graph inputs; only the real inputs are shown.
        var initialisers = model.Graph.Initializer.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        var metadata = new JsonObject();
        foreach (var entry in model.MetadataProps)
        {
            metadata[entry.Key] = entry.Value;
        }

        var opsets = new JsonObject();
        foreach (var opset in model.OpsetImport)
        {
            opsets[opset.Domain.Length == 0 ? "ai.onnx" : opset.Domain] = opset.Version;
        }

        return new JsonObject
        {
            ["inputs"] = Values(model.Graph.Input.Where(i => !initialisers.Contains(i.Name))),
            ["outputs"] = Values(model.Graph.Output),
            ["metadata"] = metadata,
            ["producer"] = model.ProducerName,
            ["producerVersion"] = model.ProducerVersion,
            ["irVersion"] = model.IrVersion,
            ["opsets"] = opsets,
            ["work"] = Work(model, source),
        };
    }

    // Arithmetic per image, so users can size hardware; null for files whose input is not a fixed image.
    private static JsonObject? Work(ModelProto model, string? source)
    {
        try
        {
            var complexity = ModelComplexity.Estimate(model, source);
            return new JsonObject
            {
                ["gflopsPerImage"] = Math.Round(complexity.Flops / 1e9, 4),
                ["parameters"] = complexity.Parameters,
                ["uncountedOperators"] = new JsonArray([.. complexity.UncountedOperators.Select(op => (JsonNode)op)]),
            };
        }
        catch (OnnxModelException)
        {
            return null;
        }
    }

    private static JsonArray Values(IEnumerable<ValueInfoProto> values) => new(values.Select(v => (JsonNode)new JsonObject
    {
        ["name"] = v.Name,
        ["type"] = v.Type?.TensorType is { } tensor ? TypeName((TensorProto.Types.DataType)tensor.ElemType) : null,
        ["shape"] = v.Type?.TensorType?.Shape is { } shape
            ? new JsonArray(shape.Dim.Select(d => d.ValueCase switch
            {
                TensorShapeProto.Types.Dimension.ValueOneofCase.DimParam => (JsonNode)d.DimParam,
                TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue => d.DimValue,
                _ => null,
            }).ToArray())
            : null,
    }).ToArray());

    /// <summary>numpy-style names (float32, not ONNX's FLOAT), which say the width.</summary>
    private static string TypeName(TensorProto.Types.DataType type) => type switch
    {
        TensorProto.Types.DataType.Float => "float32",
        TensorProto.Types.DataType.Double => "float64",
        TensorProto.Types.DataType.Float16 => "float16",
        _ => type.ToString().ToLowerInvariant(),
    };

    private static string Format(string path, JsonObject document)
    {
        var text = new System.Text.StringBuilder();
        var opsets = string.Join(", ", document["opsets"]!.AsObject().Select(o => $"{o.Key} {o.Value}"));
        text.AppendLine(CultureInfo.InvariantCulture,
            $"{path}: ONNX IR {document["irVersion"]}, opset {opsets}, produced by {document["producer"]} {document["producerVersion"]}");
        foreach (var section in new[] { "inputs", "outputs" })
        {
            text.AppendLine(section + ":");
            foreach (var value in document[section]!.AsArray())
            {
                var shape = value!["shape"] is JsonArray dims ? "[" + string.Join(", ", dims.Select(d => d?.ToString() ?? "?")) + "]" : "?";
                text.AppendLine(CultureInfo.InvariantCulture, $"  {value["name"]}  {value["type"] ?? "?"} {shape}");
            }
        }

        if (document["work"] is JsonObject work)
        {
            string notFollowed = work["uncountedOperators"] is JsonArray { Count: > 0 } uncounted
                ? "; not followed: " + string.Join(", ", uncounted.Select(op => op!.ToString()))
                : "";
            text.AppendLine(CultureInfo.InvariantCulture,
                $"work per image: {work["gflopsPerImage"]} GFLOP (Conv and Gemm multiply-adds x 2), {work["parameters"]} parameters{notFollowed}");
        }

        text.AppendLine("metadata:");
        foreach (var (key, value) in document["metadata"]!.AsObject())
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  {key} = {value}");
        }

        return text.ToString();
    }
}
