using KappaFace.MLNet.Onnx;
using KappaFace.MLNet.Tests.Shared;
using KappaFace.MLNet.Trainer.Backbones;
using KappaFace.MLNet.Trainer.Export;
using KappaFace.MLNet.Trainer.Heads;
using KappaFace.MLNet.Trainer.Training;
using TorchSharp;
using Xunit;

namespace KappaFace.MLNet.Trainer.Tests.Export;

/// <summary>The model card of an exported training run, read back through <see cref="FaceEmbedder.ModelCard"/>.</summary>
public class ExportModelCardTests
{
    private static TrainingResult Result(FaceBackbone backbone) =>
        new(backbone,
            [new EpochReport(1, 9.5, 0.1, 30, 12, null, null), new EpochReport(2, 8.1, 0.05, 31, 11, 0.7, null)],
            "cpu", Classes: 12, Images: 345);

    [Fact]
    public void Training_card_round_trips_through_the_embedder()
    {
        torch.manual_seed(1);
        using var backbone = new TinyFaceNet(32, 16);
        var options = new FaceTrainerOptions
        {
            Backbone = BackboneKind.Tiny, ImageSize = 32, EmbeddingSize = 16, Seed = 42, BatchSize = 32, LearningRate = 0.05,
            Margin = new MarginOptions { Loss = MarginLossKind.KappaFace, Scale = 32 },
        };
        var card = ModelCardAssembler.ForTraining(options, Result(backbone));

        using var folder = new TempFolder();
        string path = Path.Combine(folder.Path, "model.onnx");
        OnnxExporter.Export(backbone, card, path);
        using var embedder = FaceEmbedder.Open(path, ExportTestKit.CpuOptions());

        var read = embedder.ModelCard;
        Assert.Equal(card, read);
        Assert.Equal(ModelCardAssembler.LibraryVersion, read.LibraryVersion);
        Assert.Matches(@"^\d+\.\d+\.\d+", read.LibraryVersion);
        Assert.Equal("tiny", read.Backbone);
        Assert.Equal((32, 16), (read.InputSize, read.EmbeddingSize));
        Assert.Equal(("RGB", "0..255", "NCHW", "none"), (read.ColorOrder, read.ValueRange, read.Layout, read.Alignment));
        Assert.Equal("kappaface", read.Loss);
        Assert.Equal(new Dictionary<string, double> { ["s"] = 32, ["m0"] = 0.8, ["T"] = 0.4, ["gamma"] = 0.7, ["momentum"] = 0.9 }, read.LossParameters);
        Assert.Equal((12, 345L, 42L, 2), (read.TrainingClasses!.Value, read.TrainingImages!.Value, read.TrainingSeed!.Value, read.TrainingEpochs!.Value));
        Assert.Null(read.VerificationThreshold);
        Assert.Equal("sgd", read.AdditionalProperties[ModelCardAssembler.OptimizerKey]);
        Assert.Equal("32", read.AdditionalProperties[ModelCardAssembler.BatchSizeKey]);
        Assert.Equal("0.05", read.AdditionalProperties[ModelCardAssembler.LearningRateKey]);
        Assert.Equal("MemoryBuffer", read.AdditionalProperties[ModelCardAssembler.ConcentrationSourceKey]);
        Assert.Equal(ModelCardAssembler.LibraryVersion, OnnxModelFile.ReadHeader(path).ProducerVersion);
    }

    [Fact]
    public void Arcface_card_names_its_margin_m_and_keeps_a_given_alignment()
    {
        using var backbone = new TinyFaceNet(32, 16);
        var options = new FaceTrainerOptions { Margin = new MarginOptions { Loss = MarginLossKind.ArcFace } };
        var card = ModelCardAssembler.ForTraining(options, Result(backbone), alignment: "arcface-5pt-112");

        Assert.Equal("arcface", card.Loss);
        // The scale was left open: the card records the one the 12 classes got (the rule's floor, 16).
        Assert.Equal(new Dictionary<string, double> { ["s"] = 16, ["m"] = 0.5 }, card.LossParameters);
        Assert.Equal("arcface-5pt-112", card.Alignment);
        Assert.False(card.AdditionalProperties.ContainsKey(ModelCardAssembler.ConcentrationSourceKey));
    }
}
