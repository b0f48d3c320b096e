using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using KappaFace.MLNet.Onnx;
using KappaFace.MLNet.Data;
using KappaFace.MLNet.Data.Alignment;
using KappaFace.MLNet.Data.Embedding;

namespace KappaFace.MLNet.Cli.Commands;

/// <summary>
/// <c>kappaface embed</c>: the L2-normalised embedding and pre-normalisation norm of each image, with an
/// ONNX model run by ONNX Runtime through the library's <see cref="FaceImageEmbedder"/> (images decoded and
/// resized with the training loader's rules, so a file embeds exactly as it trained); with <c>--detector</c> each
/// image is a photo whose chosen face is aligned to the model input first. JSON shape: docs/cli.md.
/// </summary>
internal static class EmbedCommand
{
    /// <summary>How many leading values the human-readable output shows per embedding.</summary>
    private const int PreviewValues = 4;

    public static Command Create()
    {
        var model = new Option<FileInfo>("--model") { Description = "The ONNX embedding model.", Required = true };
        var json = new JsonOption("the embeddings");
        var device = DeviceOption.Create();
        var images = new Argument<string[]>("IMAGE") { Description = "Face images (aligned crops; resized to the model input).", Arity = ArgumentArity.OneOrMore };
        var photos = new PhotoOptions();
        var command = new Command("embed", "Compute the face embedding of each image with an ONNX model.") { model, json.Option, device, images };
        photos.AddTo(command);
        command.SetAction((parse, token) => CommandRunner.RunAsync(cancel =>
        {
            string[] paths = parse.GetValue(images)!;
            string provider = DeviceOption.Read(parse, device);
            using var detector = photos.Open(parse, provider);
            using var embedder = FaceImageEmbedder.Open(
                parse.GetValue(model)!.FullName, new FaceEmbedderOptions { ExecutionProvider = provider }, detector, photos.Alignment(parse, BadImagePolicy.Fail));
            PhotoEmbeddings result = detector is null
                ? new PhotoEmbeddings(embedder.Embed(paths, cancel), [.. paths.Select(_ => true)], [], [])
                : photos.Explained(() => embedder.EmbedPhotos(paths, cancel));
            PhotoOptions.WriteLines(result.Skipped, result.Dropped);
            json.Write(parse, ToJson(paths, result));
            if (!json.ToStandardOutput(parse))
            {
                for (int i = 0; i < paths.Length; i++)
                {
                    if (result.Embedded[i])
                    {
                        Console.Out.WriteLine(Describe(paths[i], result.Embeddings.GetEmbedding(i), result.Embeddings.GetNorm(i)));
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
    private static JsonArray ToJson(string[] paths, PhotoEmbeddings result)
    {
        var reasons = result.Skipped.DistinctBy(s => s.Path).ToDictionary(s => s.Path, s => s.Reason, StringComparer.Ordinal);
        return new(paths.Select((path, i) => (JsonNode)(result.Embedded[i]
            ? new JsonObject
            {
                ["path"] = path,
                ["embedding"] = new JsonArray([.. result.Embeddings.GetEmbedding(i).ToArray().Select(v => (JsonNode)v)]),
                ["norm"] = result.Embeddings.GetNorm(i),
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
