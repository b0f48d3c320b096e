using System.Text.Json.Nodes;
using KappaFace.MLNet.Trainer.Backbones;
using KappaFace.MLNet.Trainer.Export;
using KappaFace.MLNet.Trainer.Heads;
using KappaFace.MLNet.Trainer.Training;
using KappaFace.MLNet.Data;

namespace KappaFace.MLNet.Cli.Output;

/// <summary>The <c>train --json</c> document of docs/cli.md (fixed key names; extra keys allowed).</summary>
internal static class TrainingReportJson
{
    public static JsonObject Build(FaceTrainerOptions options, TrainingResult result, string? modelPath, FaceDataReport? data = null)
    {
        var epochs = new JsonArray();
        foreach (var e in result.Epochs)
        {
            var epoch = new JsonObject
            {
                ["epoch"] = e.Epoch,
                ["loss"] = e.Loss,
                ["learningRate"] = e.LearningRate,
                ["imagesPerSecond"] = e.ImagesPerSecond,
                ["seconds"] = e.Seconds,
                ["validationAccuracy"] = e.ValidationAccuracy,
                ["peakResidentBytes"] = e.PeakResidentBytes,
            };
            if (e.KappaFace is { } k)
            {
                epoch["kappaFace"] = new JsonObject
                {
                    ["counts"] = ToArray(k.Counts.Select(c => (double)c)),
                    ["kappa"] = ToArray(k.Kappa),
                    ["psi"] = ToArray(k.Psi),
                    ["margins"] = ToArray(k.Margins),
                };
            }
            epochs.Add(epoch);
        }
        var document = new JsonObject
        {
            ["loss"] = ModelCardAssembler.LossName(options.Margin.Loss),
            ["backbone"] = BackboneFactory.NameOf(options.Backbone),
            ["imageSize"] = options.ImageSize,
            ["embeddingSize"] = options.EmbeddingSize,
            ["classes"] = result.Classes,
            ["images"] = result.Images,
            ["seed"] = options.Seed,
            ["device"] = result.Device,
            ["decodeWorkers"] = options.DecodeWorkers,
            ["hyperParameters"] = HyperParameters(options.Margin, result.Classes),
            ["epochs"] = epochs,
            ["model"] = modelPath,
        };
        if (data is not null)
        {
            document["data"] = FaceDataReportJson.Build(data);
        }

        return document;
    }

    private static JsonObject HyperParameters(MarginOptions m, int classCount)
    {
        var h = new JsonObject
        {
            ["s"] = m.EffectiveScale(classCount),
            [m.Loss == MarginLossKind.KappaFace ? "m0" : "m"] = m.EffectiveMargin,
            ["sampleRate"] = m.Sampling.SampleRate,
        };
        if (m.Loss == MarginLossKind.KappaFace)
        {
            h["T"] = m.KappaFace.Temperature;
            h["gamma"] = m.KappaFace.Gamma;
            h["momentum"] = m.KappaFace.MemoryMomentum;
            h["source"] = m.KappaFace.Source.ToString();
            h["memoryBuffer"] = m.KappaFace.MemoryBufferPrecision.ToString().ToLowerInvariant();
        }
        return h;
    }

    private static JsonArray ToArray(IEnumerable<double> values) => new(values.Select(v => double.IsFinite(v) ? (JsonNode?)JsonValue.Create(v) : null).ToArray());
}
