using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using KappaFace.MLNet.Cli.Output;
using KappaFace.MLNet.Transforms;
using Microsoft.ML;

namespace KappaFace.MLNet.Cli.Commands;

/// <summary>
/// <c>kappaface calibrate</c>: chooses the verification threshold for a target false accept rate on labelled
/// pairs with the catalog's <c>CalibrateThreshold</c> and writes it into the model card of a copy of the
/// model (<c>verification.threshold</c>, <c>verification.far</c>, <c>verification.source</c>).
/// </summary>
internal static class CalibrateCommand
{
    /// <summary>The default target false accept rate (docs/verification.md, "Threshold calibration").</summary>
    public const double DefaultFar = 1e-3;

    public static Command Create()
    {
        var shared = PairScoring.CreateOptions();
        var far = new Option<double>("--far") { Description = "Target false accept rate, in (0, 1]; needs at least 1/X different-identity pairs.", DefaultValueFactory = _ => DefaultFar };
        var output = new Option<FileInfo>("--out") { Description = "The calibrated copy of the model (MODEL2.onnx).", Required = true };
        var command = new Command("calibrate", "Choose the threshold for a target false accept rate and write it into a copy of the model.") { far, output };
        foreach (var option in shared.All)
        {
            command.Options.Add(option);
        }

        command.SetAction((parse, token) => CommandRunner.RunAsync(cancel =>
        {
            string source = parse.GetValue(shared.Model)!.FullName;
            string destination = parse.GetValue(output)!.FullName;
            if (string.Equals(source, destination, StringComparison.Ordinal))
            {
                throw new ArgumentException("--out must differ from --model: calibrate writes a calibrated copy.");
            }

            var ml = new MLContext(seed: parse.GetValue(shared.Seed));
            var pairs = shared.Score(ml, parse, cancel);
            var calibration = ml.FaceRecognition().CalibrateThreshold(pairs.Data, parse.GetValue(far));
            calibration.WriteToModel(source, destination);

            var document = new JsonObject
            {
                // The float threshold as the exact double the card stores.
                ["threshold"] = (double)calibration.Threshold,
                ["targetFar"] = calibration.TargetFar,
                ["far"] = calibration.FalseAcceptRate,
                ["tar"] = calibration.TrueAcceptRate,
                ["accuracy"] = calibration.Accuracy,
                ["pairs"] = calibration.PairCount,
                ["samePairs"] = calibration.SameCount,
                ["differentPairs"] = calibration.DifferentCount,
                ["source"] = calibration.Source,
                ["pairsSource"] = pairs.Source,
                ["model"] = destination,
            };
            string? json = parse.GetValue(shared.Json);
            if (json is not null)
            {
                TrainingReportJson.Write(document, json);
            }

            if (json != "-")
            {
                Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"threshold {(double)calibration.Threshold:R} for FAR <= {calibration.TargetFar:R}: achieved FAR {calibration.FalseAcceptRate:F4}, TAR {calibration.TrueAcceptRate:F4}, accuracy {calibration.Accuracy:F4} on {calibration.PairCount} pairs ({pairs.Source})"));
                Console.Out.WriteLine($"wrote {destination}");
            }

            return CommandRunner.Ok;
        }, token));
        return command;
    }
}
