using System.Text.Json;
using KappaFace.MLNet.Onnx;
using KappaFace.MLNet.Tests.Shared;
using SkiaSharp;

namespace KappaFace.MLNet.Cli.Tests;

/// <summary><c>kappaface train --out</c> writes the ONNX model with the run's model card.</summary>
public class TrainOutputTests(FaceFolderFixture fixture) : IClassFixture<FaceFolderFixture>
{
    [Fact]
    public void Streamed_and_loaded_training_hold_out_the_same_identities_and_agree()
    {
        // 4 identities of 5 images; --val-fraction 0.5 holds out 2 of them for per-epoch validation.
        var streamed = TrainReport("--stream");
        var loaded = TrainReport();

        foreach (var report in new[] { streamed, loaded })
        {
            Assert.Equal((2, 10), (report.GetProperty("classes").GetInt32(), report.GetProperty("images").GetInt32()));
        }

        var streamedEpochs = streamed.GetProperty("epochs").EnumerateArray().ToArray();
        var loadedEpochs = loaded.GetProperty("epochs").EnumerateArray().ToArray();
        Assert.Equal(2, streamedEpochs.Length);
        for (int e = 0; e < streamedEpochs.Length; e++)
        {
            double accuracy = streamedEpochs[e].GetProperty("validationAccuracy").GetDouble();
            Assert.InRange(accuracy, 0.0, 1.0);
            // Same held-out people, same pairs, same training images in the same order: the same numbers.
            Assert.Equal(loadedEpochs[e].GetProperty("validationAccuracy").GetDouble(), accuracy, 6);
            Assert.Equal(loadedEpochs[e].GetProperty("loss").GetDouble(), streamedEpochs[e].GetProperty("loss").GetDouble(), 5);
        }
    }

    private JsonElement TrainReport(params string[] extra)
    {
        string report = fixture.File($"val-report{string.Concat(extra)}.json");
        var (code, _, stderr) = CliHarness.Run(
        [
            "train", "--data", fixture.DataFolder, "--checkpoint-dir", fixture.File($"val-ckpt{string.Concat(extra)}"), "--json", report,
            "--val-fraction", "0.5", "--backbone", "tiny", "--image-size", "32", "--embedding-size", "8", "--epochs", "2",
            "--batch-size", "4", "--device", "cpu", "--seed", "5", "--threads", "1", .. extra,
        ]);
        Assert.True(code == 0, stderr);
        return JsonDocument.Parse(File.ReadAllText(report)).RootElement.Clone();
    }

    [Fact]
    public void Train_out_writes_an_onnx_model_with_the_training_card()
    {
        using var folder = new TempFolder();
        for (int identity = 0; identity < 3; identity++)
        {
            for (int image = 0; image < 4; image++)
            {
                int seed = (identity * 10) + image;
                folder.Image($"data/id{identity}/{image}.png", 32, 32,
                    (x, y) => new SKColor((byte)(identity * 80), (byte)((x * 7) + seed), (byte)((y * 7) + image)));
            }
        }

        string model = Path.Combine(folder.Path, "out", "model.onnx");
        string report = Path.Combine(folder.Path, "report.json");
        var (code, _, stderr) = CliHarness.Run(
            "train", "--data", Path.Combine(folder.Path, "data"), "--out", model, "--json", report,
            "--backbone", "tiny", "--image-size", "32", "--embedding-size", "16", "--epochs", "1", "--batch-size", "4",
            "--device", "cpu", "--seed", "3", "--loss", "arcface");
        Assert.True(code == 0, stderr);

        using var embedder = FaceEmbedder.Open(model, new FaceEmbedderOptions { ExecutionProvider = "cpu" });
        var card = embedder.ModelCard;
        Assert.Equal(("tiny", 32, 16), (card.Backbone, card.InputSize, card.EmbeddingSize));
        Assert.Equal("arcface", card.Loss);
        // No --scale: 3 classes get the scale rule's floor (MarginOptions.ScaleForClasses).
        Assert.Equal(new Dictionary<string, double> { ["s"] = 16, ["m"] = 0.5 }, card.LossParameters);
        Assert.Equal((3, 12L, 3L, 1), (card.TrainingClasses!.Value, card.TrainingImages!.Value, card.TrainingSeed!.Value, card.TrainingEpochs!.Value));
        Assert.Equal("none", card.Alignment);

        using var json = JsonDocument.Parse(File.ReadAllText(report));
        Assert.Equal(Path.GetFullPath(model), json.RootElement.GetProperty("model").GetString());
        Assert.False(File.Exists(Path.ChangeExtension(model, ".weights.dat")));
    }
}
