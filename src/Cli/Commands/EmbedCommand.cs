using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using KappaFace.MLNet.Cli.Output;
using KappaFace.MLNet.Onnx;
using KappaFace.MLNet.Data;

namespace KappaFace.MLNet.Cli.Commands;

/// <summary>
/// <c>kappaface embed</c>: the L2-normalised embedding and pre-normalisation norm of each image, with an
/// ONNX model run by ONNX Runtime. Images are decoded and resized with the training loader's rules
/// (<see cref="FaceImageFile"/>), so a file embeds exactly as it trained; with <c>--detector</c> each image is a
/// photo whose chosen face is aligned to the model input first. JSON shape: docs/cli.md.
/// </summary>
internal static class EmbedCommand
{
    /// <summary>How many leading values the human-readable output shows per embedding.</summary>
    private const int PreviewValues = 4;

    public static Command Create()
    {
        var model = new Option<FileInfo>("--model") { Description = "The ONNX embedding model.", Required = true };
        var json = new Option<string?>("--json") { Description = "Write the embeddings as JSON to FILE (- for stdout)." };
        var device = new Option<string>("--device") { Description = "ONNX Runtime device: auto, cpu, cuda or cuda:N.", DefaultValueFactory = _ => "auto" };
        var images = new Argument<string[]>("IMAGE") { Description = "Face images (aligned crops; resized to the model input).", Arity = ArgumentArity.OneOrMore };
        var photos = new PhotoOptions();
        var command = new Command("embed", "Compute the face embedding of each image with an ONNX model.") { model, json, device, images };
        photos.AddTo(command);
        command.SetAction((parse, token) => CommandRunner.RunAsync(cancel =>
        {
            string[] paths = parse.GetValue(images)!;
            using var embedder = FaceEmbedder.Open(
                parse.GetValue(model)!.FullName, new FaceEmbedderOptions { ExecutionProvider = parse.GetValue(device)! });
            using var detector = photos.Open(parse, parse.GetValue(device)!);
            var input = detector is null ? null : new PhotoInput(detector, photos.Alignment(parse, embedder.InputSize, BadImagePolicy.Fail));
            var result = photos.Explained(() => PairScoring.EmbedFiles(embedder, paths, input, cancel));
            foreach (string line in PhotoOptions.Lines(result.Skipped, result.Dropped))
            {
                Console.Error.WriteLine(line);
            }

            string? jsonTarget = parse.GetValue(json);
            if (jsonTarget is not null)
            {
                TrainingReportJson.Write(ToJson(paths, result, embedder.EmbeddingSize), jsonTarget);
            }

            if (jsonTarget != "-")
            {
                for (int i = 0; i < paths.Length; i++)
                {
                    if (result.Embedded[i])
                    {
                        Console.Out.WriteLine(Describe(paths[i], result.Vectors.AsSpan(i * embedder.EmbeddingSize, embedder.EmbeddingSize), result.Norms[i]));
                    }
                }
            }

            return CommandRunner.Ok;
        }, token));
        return command;
    }

    /// <summary>
    /// <c>[{"path": ..., "embedding": [...], "norm": ...}]</c> in argument order; a photo skipped for want of
    /// a usable face keeps its place with <c>"embedding": null, "norm": null, "skipped": reason</c>.
    /// </summary>
    private static JsonArray ToJson(string[] paths, PairScoring.EmbeddedImages result, int dimension)
    {
        var reasons = result.Skipped.DistinctBy(s => s.Path).ToDictionary(s => s.Path, s => s.Reason, StringComparer.Ordinal);
        return new(paths.Select((path, i) => (JsonNode)(result.Embedded[i]
            ? new JsonObject
            {
                ["path"] = path,
                ["embedding"] = new JsonArray(result.Vectors.AsSpan(i * dimension, dimension).ToArray().Select(v => (JsonNode)v).ToArray()),
                ["norm"] = result.Norms[i],
            }
            : new JsonObject { ["path"] = path, ["embedding"] = null, ["norm"] = null, ["skipped"] = reasons.GetValueOrDefault(path) })).ToArray());
    }

    private static string Describe(string path, ReadOnlySpan<float> values, float norm)
    {
        var preview = string.Join(", ", values[..Math.Min(PreviewValues, values.Length)].ToArray().Select(v => v.ToString("F4", CultureInfo.InvariantCulture)));
        return string.Create(CultureInfo.InvariantCulture,
            $"{path}\tnorm {norm:F4}\t[{preview}{(values.Length > PreviewValues ? ", ..." : string.Empty)}] ({values.Length} values)");
    }
}
