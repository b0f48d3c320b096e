using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using KappaFace.MLNet.Onnx;
using KappaFace.MLNet.Data;
using KappaFace.MLNet.Data.Detection;
using KappaFace.MLNet.Data.Embedding;

namespace KappaFace.MLNet.Cli.Commands;

/// <summary>
/// <c>kappaface embed</c>: the L2-normalised embedding and pre-normalisation norm of each image, with an
/// ONNX model run by ONNX Runtime through the library's <see cref="FaceImageEmbedder"/> (images decoded and
/// resized with the training loader's rules, so a file embeds exactly as it trained). JSON shape: docs/cli.md.
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
        var detector = DetectorOptions.Detector(required: false);
        detector.Description += " Given, each image is a photo: its best face is aligned to the model input first.";
        var command = new Command("embed", "Compute the face embedding of each image with an ONNX model.") { model, json.Option, device, images, detector };
        command.SetAction((parse, token) => CommandRunner.RunAsync(cancel =>
        {
            string[] paths = parse.GetValue(images)!;
            string provider = DeviceOption.Read(parse, device);
            using var faces = parse.GetValue(detector) is { } d
                ? FaceDetector.Open(d.FullName, new FaceDetectorOptions { ExecutionProvider = provider })
                : null;
            using var embedder = FaceImageEmbedder.Open(parse.GetValue(model)!.FullName, new FaceEmbedderOptions { ExecutionProvider = provider }, faces);
            var result = embedder.Embed(paths, cancel);
            json.Write(parse, ToJson(paths, result));
            if (!json.ToStandardOutput(parse))
            {
                for (int i = 0; i < paths.Length; i++)
                {
                    Console.Out.WriteLine(Describe(paths[i], result, i));
                }
            }

            return CommandRunner.Ok;
        }, token));
        return command;
    }

    /// <summary><c>[{"path": ..., "embedding": [...], "norm": ...}]</c> in argument order.</summary>
    private static JsonArray ToJson(string[] paths, FaceEmbeddings result) => new(paths.Select((path, i) => (JsonNode)new JsonObject
    {
        ["path"] = path,
        ["embedding"] = new JsonArray(result.GetEmbedding(i).ToArray().Select(v => (JsonNode)v).ToArray()),
        ["norm"] = result.GetNorm(i),
    }).ToArray());

    private static string Describe(string path, FaceEmbeddings result, int index)
    {
        var values = result.GetEmbedding(index);
        var preview = string.Join(", ", values[..Math.Min(PreviewValues, values.Length)].ToArray().Select(v => v.ToString("F4", CultureInfo.InvariantCulture)));
        return string.Create(CultureInfo.InvariantCulture,
            $"{path}\tnorm {result.GetNorm(index):F4}\t[{preview}{(values.Length > PreviewValues ? ", ..." : string.Empty)}] ({values.Length} values)");
    }
}
