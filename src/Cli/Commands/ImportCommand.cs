using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using KappaFace.MLNet.Onnx.Import;

namespace KappaFace.MLNet.Cli.Commands;

/// <summary>
/// <c>kappaface import</c>: wraps a foreign ONNX face-embedding model into the embedding contract with
/// <see cref="FaceModelImporter"/>; the options say how the source expects its pixels.
/// </summary>
internal static class ImportCommand
{
    public static Command Create()
    {
        var defaults = new FaceModelImportOptions();
        var model = new Option<FileInfo>("--model") { Description = "The foreign ONNX model (FOREIGN.onnx).", Required = true };
        var output = new Option<FileInfo>("--out") { Description = "The imported model to write (MODEL.onnx).", Required = true };
        var channels = new Option<SourceChannelOrder>("--channels") { Description = "Channel order the source expects: rgb or bgr.", DefaultValueFactory = _ => defaults.Channels };
        var mean = new Option<string?>("--mean") { Description = "Per-channel mean a,b,c subtracted after --pixel-scale, in the source's channel order (default 127.5,127.5,127.5)." };
        var std = new Option<string?>("--std") { Description = "Per-channel divisor a,b,c applied last (default 127.5,127.5,127.5)." };
        var scale = new Option<float>("--pixel-scale") { Description = "Divide raw 0..255 pixels by this first (255 for models that take 0..1).", DefaultValueFactory = _ => defaults.PixelScale };
        var size = new Option<int?>("--size") { Description = "Input side in pixels; needed when the source's height and width are dynamic." };
        var input = new Option<string?>("--input") { Description = "The source's image input (default: its only input)." };
        var embedding = new Option<string?>("--output") { Description = "The source tensor to use as the embedding (default: its only output)." };
        var alignment = new Option<string>("--alignment") { Description = "Face alignment the source was trained on, for the model card.", DefaultValueFactory = _ => defaults.Alignment };
        var json = new JsonOption("a summary");
        var command = new Command("import", "Wrap a foreign ONNX face-embedding model into the KappaFace model contract.")
        {
            model, output, channels, mean, std, scale, size, input, embedding, alignment, json.Option,
        };
        command.SetAction((parse, token) => CommandRunner.RunAsync(_ =>
        {
            var options = defaults with
            {
                Channels = parse.GetValue(channels),
                PixelScale = parse.GetValue(scale),
                Mean = Triple(parse.GetValue(mean), "--mean") ?? defaults.Mean,
                Std = Triple(parse.GetValue(std), "--std") ?? defaults.Std,
                InputSize = parse.GetValue(size),
                InputName = parse.GetValue(input),
                OutputName = parse.GetValue(embedding),
                Alignment = parse.GetValue(alignment)!,
            };
            string destination = parse.GetValue(output)!.FullName;
            var imported = FaceModelImporter.ImportFile(parse.GetValue(model)!.FullName, destination, options);
            var document = new JsonObject
            {
                ["model"] = destination,
                ["inputSize"] = imported.Card.InputSize,
                ["embeddingSize"] = imported.Card.EmbeddingSize,
                ["metadata"] = new JsonObject([.. imported.Card.ToMetadata().Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value))]),
                ["changes"] = new JsonArray([.. imported.Changes.Select(c => (JsonNode)c)]),
            };
            json.Write(parse, document);
            if (!json.ToStandardOutput(parse))
            {
                foreach (var change in imported.Changes)
                {
                    Console.Out.WriteLine("  " + change);
                }

                Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"wrote {destination}: input [batch, 3, {imported.Card.InputSize}, {imported.Card.InputSize}] RGB 0..255, embedding {imported.Card.EmbeddingSize}"));
            }

            return CommandRunner.Ok;
        }, token));
        return command;
    }

    private static float[]? Triple(string? text, string option)
    {
        if (text is null)
        {
            return null;
        }

        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var values = new float[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!float.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]))
            {
                throw new ArgumentException($"{option} '{text}': '{parts[i]}' is not a number (expected a,b,c).");
            }
        }

        return values.Length == 3 ? values : throw new ArgumentException($"{option} '{text}' needs three comma-separated values, one per channel.");
    }
}
