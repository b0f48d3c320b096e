using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using KappaFace.MLNet.Data;
using KappaFace.MLNet.Data.Embedding;
using KappaFace.MLNet.Onnx;
using KappaFace.MLNet.Transforms.Evaluation;

namespace KappaFace.MLNet.Cli.Commands;

/// <summary>
/// <c>kappaface verify</c>: are two face images the same person? The library's <see cref="FaceVerification"/>
/// decides; the threshold is <c>--threshold</c> or the model card's <c>verification.threshold</c>.
/// </summary>
internal static class VerifyCommand
{
    public static Command Create()
    {
        var model = new Option<FileInfo>("--model") { Description = "The ONNX embedding model.", Required = true };
        var threshold = new Option<double?>("--threshold") { Description = "Decision threshold on the cosine score (default: the model card's verification.threshold)." };
        var json = new JsonOption("the result");
        var device = DeviceOption.Create();
        var imageA = new Argument<FileInfo>("IMAGE_A") { Description = "The first face image." };
        var imageB = new Argument<FileInfo>("IMAGE_B") { Description = "The second face image." };
        var photos = new PhotoOptions(noFacePolicy: false, detectorUse: " Given, both images are photos: the chosen face of each is aligned to the model input first.");
        var command = new Command("verify", "Decide whether two face images show the same person.") { model, threshold, json.Option, device, imageA, imageB };
        photos.AddTo(command);
        command.SetAction((parse, token) => CommandRunner.RunAsync(cancel =>
        {
            string modelPath = parse.GetValue(model)!.FullName;
            string provider = DeviceOption.Read(parse, device);
            using var detector = photos.Open(parse, provider);
            using var embedder = FaceImageEmbedder.Open(
                modelPath, new FaceEmbedderOptions { ExecutionProvider = provider }, detector, photos.Alignment(parse, BadImagePolicy.Fail));
            double? given = parse.GetValue(threshold);
            if (given is { } g && !double.IsFinite(g))
            {
                throw new ArgumentException($"--threshold must be a finite number, got {g.ToString(CultureInfo.InvariantCulture)}.");
            }

            double limit = given ?? embedder.Threshold ?? throw new InvalidOperationException(
                $"The model '{modelPath}' has no verification.threshold in its card: pass --threshold X or calibrate it with 'kappaface calibrate'.");
            string[] paths = [parse.GetValue(imageA)!.FullName, parse.GetValue(imageB)!.FullName];
            var result = FaceVerification.Verify(embedder, paths[0], paths[1], limit, cancel);

            json.Write(parse, new JsonObject
            {
                ["score"] = result.Score,
                ["threshold"] = result.Threshold,
                ["same"] = result.Same,
                ["thresholdSource"] = given is null ? "model" : "option",
                ["imageA"] = paths[0],
                ["imageB"] = paths[1],
            });
            if (!json.ToStandardOutput(parse))
            {
                Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{(result.Same ? "same person" : "different people")}: score {result.Score:F4} {(result.Same ? ">=" : "<")} threshold {result.Threshold:R} ({(given is null ? "model card" : "--threshold")})"));
            }

            return CommandRunner.Ok;
        }, token));
        return command;
    }
}
