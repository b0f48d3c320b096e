using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using KappaFace.MLNet.Cli.Output;
using KappaFace.MLNet.Transforms;
using KappaFace.MLNet.Transforms.Evaluation;
using Microsoft.ML;

namespace KappaFace.MLNet.Cli.Commands;

/// <summary>
/// <c>kappaface evaluate</c>: verification metrics of a model on labelled pairs (docs/verification.md) with the
/// catalog's <c>Evaluate</c>: the folds of an LFW pairs file, else 10 folds balanced by label and seeded.
/// JSON shape of docs/cli.md; <c>--plot DIR</c> adds the ROC curve and score histograms as PNG.
/// </summary>
internal static class EvaluateCommand
{
    /// <summary>Folds built when the pairs have none of their own (docs/verification.md, "Metrics").</summary>
    public const int DefaultFolds = 10;

    public static Command Create()
    {
        var shared = PairScoring.CreateOptions();
        var plot = new Option<DirectoryInfo?>("--plot") { Description = "Write roc.png and score-histogram.png into DIR." };
        var command = new Command("evaluate", "Verification accuracy, AUC, EER and TAR@FAR of a model on labelled pairs.") { plot };
        foreach (var option in shared.All)
        {
            command.Options.Add(option);
        }

        command.SetAction((parse, token) => CommandRunner.RunAsync(cancel =>
        {
            var ml = new MLContext(seed: parse.GetValue(shared.Seed));
            var pairs = shared.Score(parse, cancel);
            var metrics = ml.FaceRecognition().Evaluate(
                pairs.ToDataView(ml), foldColumnName: pairs.HasFolds ? FaceColumnNames.Fold : null, foldCount: DefaultFolds, seed: parse.GetValue(shared.Seed));
            var document = ToJson(metrics, pairs, parse.GetValue(shared.Model)!.FullName);
            IReadOnlyList<string> plots = [];
            if (parse.GetValue(plot) is { } folder)
            {
                plots = VerificationPlots.Write(folder.FullName, metrics, pairs.Scores.Span, pairs.Same.Span);
                document["plots"] = new JsonArray([.. plots.Select(p => (JsonNode)p)]);
            }

            shared.Json.Write(parse, document);
            if (!shared.Json.ToStandardOutput(parse))
            {
                Console.Out.Write(Format(metrics, pairs, plots));
            }

            return CommandRunner.Ok;
        }, token));
        return command;
    }

    /// <summary>The <c>evaluate --json</c> document: the fixed keys of docs/cli.md plus details.</summary>
    public static JsonObject ToJson(VerificationMetrics metrics, ScoredFacePairs pairs, string modelPath)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(pairs);
        var tarAtFar = new JsonObject();
        foreach (var point in metrics.TarAtFar.Where(p => p.Tar is not null))
        {
            tarAtFar[FarKey(point.Far)] = point.Tar;
        }

        return new JsonObject
        {
            ["pairs"] = metrics.PairCount,
            ["accuracy"] = metrics.Accuracy,
            ["accuracyStd"] = metrics.AccuracyStd,
            ["auc"] = metrics.Auc,
            ["eer"] = metrics.Eer,
            ["bestThreshold"] = metrics.BestThreshold,
            ["tarAtFar"] = tarAtFar,
            ["samePairs"] = metrics.SameCount,
            ["differentPairs"] = metrics.DifferentCount,
            ["bestThresholdAccuracy"] = metrics.BestThresholdAccuracy,
            ["folds"] = metrics.FoldAccuracies.Count,
            ["foldsFromPairsFile"] = pairs.HasFolds,
            ["foldAccuracies"] = new JsonArray([.. metrics.FoldAccuracies.Select(a => (JsonNode)a)]),
            ["foldThresholds"] = new JsonArray([.. metrics.FoldThresholds.Select(t => (JsonNode)t)]),
            ["pairsSource"] = pairs.Source,
            ["skipped"] = PhotoOptions.ToJson(pairs.SkippedPhotos),
            ["droppedFaces"] = PhotoOptions.ToJson(pairs.DroppedFaces),
            ["model"] = modelPath,
        };
    }

    /// <summary>The FAR as a JSON key: <c>0.1</c>, <c>0.01</c>, <c>0.001</c>, <c>0.0001</c>.</summary>
    public static string FarKey(double far) => far.ToString("0.##########", CultureInfo.InvariantCulture);

    private static string Format(VerificationMetrics m, ScoredFacePairs pairs, IReadOnlyList<string> plots)
    {
        var text = new System.Text.StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"pairs:          {m.PairCount} ({m.SameCount} same, {m.DifferentCount} different; {pairs.Source})");
        text.AppendLine(CultureInfo.InvariantCulture,
            $"accuracy:       {m.Accuracy:F4} +- {m.AccuracyStd:F4} over {m.FoldAccuracies.Count} {(pairs.HasFolds ? "folds of the pairs file" : "balanced seeded folds")}");
        text.AppendLine(CultureInfo.InvariantCulture, $"AUC:            {m.Auc:F4}");
        text.AppendLine(CultureInfo.InvariantCulture, $"EER:            {m.Eer:F4}");
        text.AppendLine(CultureInfo.InvariantCulture, $"best threshold: {m.BestThreshold:F4} (accuracy {m.BestThresholdAccuracy:F4} on all pairs)");
        foreach (var point in m.TarAtFar)
        {
            string value = point.Tar is { } tar
                ? string.Create(CultureInfo.InvariantCulture, $"{tar:F4} (threshold {point.Threshold:F4})")
                : "n/a (too few different pairs)";
            text.AppendLine(CultureInfo.InvariantCulture, $"TAR@FAR={FarKey(point.Far),-7} {value}");
        }

        foreach (string plot in plots)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"plot:           {plot}");
        }

        return text.ToString();
    }
}
