using System.Text.Json;
using KappaFace.MLNet.Onnx;
using KappaFace.MLNet.Tests.Shared;
using SkiaSharp;

namespace KappaFace.MLNet.Cli.Tests;

/// <summary><c>kappaface train --out</c> writes the ONNX model with the run's model card.</summary>
public class TrainOutputTests
{
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
        Assert.Equal(new Dictionary<string, double> { ["s"] = 64, ["m"] = 0.5 }, card.LossParameters);
        Assert.Equal((3, 12L, 3L, 1), (card.TrainingClasses!.Value, card.TrainingImages!.Value, card.TrainingSeed!.Value, card.TrainingEpochs!.Value));
        Assert.Equal("none", card.Alignment);

        using var json = JsonDocument.Parse(File.ReadAllText(report));
        Assert.Equal(Path.GetFullPath(model), json.RootElement.GetProperty("model").GetString());
        Assert.False(File.Exists(Path.ChangeExtension(model, ".weights.dat")));
    }
}
