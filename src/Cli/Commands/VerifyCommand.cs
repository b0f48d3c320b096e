using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using KappaFace.MLNet.Cli.Output;
using KappaFace.MLNet.Data;
using KappaFace.MLNet.Onnx;
using KappaFace.MLNet.Transforms.Evaluation;

namespace KappaFace.MLNet.Cli.Commands;

/// <summary>
/// <c>kappaface verify</c>: are two face images the same person? Score = cosine similarity of their
/// embeddings; same iff <c>Score &gt;= (float)threshold</c> (the rule of the evaluator, calibration and
/// <c>ScoreFacePairs</c>). The threshold is <c>--threshold</c> or the model card's <c>verification.threshold</c>.
/// </summary>
internal static class VerifyCommand
{
    public static Command Create()
    {
        var model = new Option<FileInfo>("--model") { Description = "The ONNX embedding model.", Required = true };
        var threshold = new Option<double?>("--threshold") { Description = "Decision threshold on the cosine score (default: the model card's verification.threshold)." };
        var json = new Option<string?>("--json") { Description = "Write the result as JSON to FILE (- for stdout)." };
        var device = new Option<string>("--device") { Description = "ONNX Runtime device: auto, cpu, cuda or cuda:N.", DefaultValueFactory = _ => "auto" };
        var imageA = new Argument<FileInfo>("IMAGE_A") { Description = "The first face image." };
        var imageB = new Argument<FileInfo>("IMAGE_B") { Description = "The second face image." };
        var photos = new PhotoOptions(noFacePolicy: false, detectorUse: " Given, both images are photos: the chosen face of each is aligned to the model input first.");
        var command = new Command("verify", "Decide whether two face images show the same person.") { model, threshold, json, device, imageA, imageB };
        photos.AddTo(command);
        command.SetAction((parse, token) => CommandRunner.RunAsync(cancel =>
        {
            string modelPath = parse.GetValue(model)!.FullName;
            using var embedder = FaceEmbedder.Open(modelPath, new FaceEmbedderOptions { ExecutionProvider = parse.GetValue(device)! });
            double? given = parse.GetValue(threshold);
            if (given is { } g && !double.IsFinite(g))
            {
                throw new ArgumentException($"--threshold must be a finite number, got {g.ToString(CultureInfo.InvariantCulture)}.");
            }

            double limit = given ?? embedder.Threshold ?? throw new InvalidOperationException(
                $"The model '{modelPath}' has no verification.threshold in its card: pass --threshold X or calibrate it with 'kappaface calibrate'.");
            string[] paths = [parse.GetValue(imageA)!.FullName, parse.GetValue(imageB)!.FullName];
            using var detector = photos.Open(parse, parse.GetValue(device)!);
            var input = detector is null ? null : new PhotoInput(detector, photos.Alignment(parse, embedder.InputSize, BadImagePolicy.Fail));
            float[] embeddings = PairScoring.EmbedFiles(embedder, paths, input, cancel).Vectors;
            int d = embedder.EmbeddingSize;
            float score = CosineSimilarity.Compute(embeddings.AsSpan(0, d), embeddings.AsSpan(d, d));
            bool same = score >= (float)limit;

            var document = new JsonObject
            {
                ["score"] = score,
                ["threshold"] = limit,
                ["same"] = same,
                ["thresholdSource"] = given is null ? "model" : "option",
                ["imageA"] = paths[0],
                ["imageB"] = paths[1],
            };
            string? target = parse.GetValue(json);
            if (target is not null)
            {
                TrainingReportJson.Write(document, target);
            }

            if (target != "-")
            {
                Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{(same ? "same person" : "different people")}: score {score:F4} {(same ? ">=" : "<")} threshold {limit:R} ({(given is null ? "model card" : "--threshold")})"));
            }

            return CommandRunner.Ok;
        }, token));
        return command;
    }
}
