using System.CommandLine;
using System.Diagnostics;
using System.Text.Json.Nodes;
using KappaFace.MLNet.Cli.Output;
using KappaFace.MLNet.Trainer.Backbones;
using KappaFace.MLNet.Trainer.Evaluation;
using KappaFace.MLNet.Trainer.Export;
using KappaFace.MLNet.Trainer.Heads;
using KappaFace.MLNet.Trainer.Training;
using KappaFace.MLNet.Data;
using KappaFace.MLNet.Synthetic;
using TorchSharp;

namespace KappaFace.MLNet.Cli.Commands;

/// <summary>
/// <c>kappaface demo</c>: the whole job on a built-in data set. Generates long-tailed synthetic faces,
/// trains KappaFace and ArcFace with identical settings, and reports verification accuracy on
/// identities neither saw, next to the untrained network's.
/// </summary>
internal static class DemoCommand
{
    private static readonly MarginLossKind[] Losses = [MarginLossKind.KappaFace, MarginLossKind.ArcFace];

    public static Command Create()
    {
        var output = new Option<DirectoryInfo?>("--out") { Description = "Folder for the trained models and demo.json." };
        var identities = new Option<int>("--identities") { Description = "Synthetic identities to generate.", DefaultValueFactory = _ => 200 };
        var json = new JsonOption("the results");
        var training = new TrainingOptionSet(
            new FaceTrainerOptions { ImageSize = 48, EmbeddingSize = 128, Epochs = 15 },
            "--loss", "--checkpoint-dir", "--checkpoint-every", "--resume", "--init", "--freeze-bn", "--backbone-lr-scale");

        var command = new Command("demo", "Train KappaFace and ArcFace on generated faces and compare them, in a few minutes on a CPU.") { output, identities, json.Option };
        training.AddTo(command);
        command.SetAction((parse, token) => CommandRunner.RunAsync(cancel =>
        {
            var baseOptions = training.Read(parse);
            baseOptions.Validate();
            var faces = SyntheticFaces.Generate(new SyntheticFaceOptions
            {
                Identities = parse.GetValue(identities),
                ImageSize = baseOptions.ImageSize,
                Seed = baseOptions.Seed,
            });
            var (train, heldOut) = faces.SplitByIdentity(0.3, baseOptions.Seed);
            var counts = train.ClassCounts();
            Console.WriteLine($"Synthetic faces: {train.Count} training images of {train.ClassCount} identities " +
                              $"({counts.Min()} to {counts.Max()} images each), {heldOut.Count} images of {heldOut.ClassCount} held-out identities.");

            var validator = new VerificationValidator(heldOut, baseOptions.ValidationPairs, baseOptions.Seed);
            double untrained = UntrainedAccuracy(baseOptions, validator);
            Console.WriteLine($"Untrained {BackboneFactory.NameOf(baseOptions.Backbone)}: held-out verification accuracy {untrained:P1}");

            var runs = new JsonArray();
            var summary = new List<(MarginLossKind Loss, double Accuracy, double Seconds)>();
            foreach (var loss in Losses)
            {
                var options = baseOptions with { Margin = baseOptions.Margin with { Loss = loss } };
                var bar = new ConsoleProgressBar(ModelCardAssembler.LossName(loss));
                var clock = Stopwatch.StartNew();
                var result = new FaceModelTrainer(options, message => { bar.Finish(); Console.Error.WriteLine(message); })
                    .Train(train, heldOut, bar, cancel);
                bar.Finish();
                using var backbone = result.Backbone;
                double accuracy = result.Epochs[^1].ValidationAccuracy ?? double.NaN;
                summary.Add((loss, accuracy, clock.Elapsed.TotalSeconds));
                string? modelPath = parse.GetValue(output) is { } folder
                    ? ModelWriter.Save(options, result, Path.Combine(folder.FullName, $"{ModelCardAssembler.LossName(loss)}.onnx"))
                    : null;
                var report = TrainingReportJson.Build(options, result, modelPath);
                report["heldOutAccuracy"] = accuracy;
                runs.Add(report);
                if (result.Epochs[^1].KappaFace is { } kappa)
                {
                    Console.WriteLine(DescribeMargins(kappa));
                }
            }

            Console.WriteLine();
            Console.WriteLine($"{"loss",-10} {"held-out accuracy",18} {"seconds",8}");
            Console.WriteLine($"{"untrained",-10} {untrained,18:P1} {"",8}");
            foreach (var (loss, accuracy, seconds) in summary)
            {
                Console.WriteLine($"{ModelCardAssembler.LossName(loss),-10} {accuracy,18:P1} {seconds,8:F0}");
            }

            var document = new JsonObject
            {
                ["dataset"] = new JsonObject
                {
                    ["trainImages"] = train.Count, ["trainIdentities"] = train.ClassCount,
                    ["heldOutImages"] = heldOut.Count, ["heldOutIdentities"] = heldOut.ClassCount,
                    ["pairs"] = validator.Pairs.Count,
                },
                ["untrainedAccuracy"] = untrained,
                ["runs"] = runs,
            };
            if (parse.GetValue(output) is { } outFolder)
            {
                JsonOutput.Write(document, Path.Combine(outFolder.FullName, "demo.json"));
            }
            json.Write(parse, document);
            return CommandRunner.Ok;
        }, token));
        return command;
    }

    private static double UntrainedAccuracy(FaceTrainerOptions options, VerificationValidator validator)
    {
        torch.manual_seed(options.Seed);
        using var backbone = BackboneFactory.Create(options.Backbone, options.ImageSize, options.EmbeddingSize);
        return validator.Accuracy(backbone, torch.CPU);
    }

    private static string DescribeMargins(KappaFaceEpochValues k)
    {
        var (rare, common) = k.MeanMarginsByFrequency();
        return $"KappaFace margins: rarest fifth of identities {rare:F3}, most populous fifth {common:F3}, mean {k.Margins.Average():F3}.";
    }
}
