using System.CommandLine;
using KappaFace.MLNet.Cli.Commands;
using KappaFace.MLNet.Tests.Shared;
using KappaFace.MLNet.Trainer.Backbones;
using KappaFace.MLNet.Trainer.Export;
using KappaFace.MLNet.Trainer.Training;

namespace KappaFace.MLNet.Cli.Tests;

/// <summary>The training option table: <c>--init</c> brings the fine-tuning defaults unless the command line sets them.</summary>
public class TrainingOptionSetTests
{
    [Fact]
    public void Init_brings_the_fine_tuning_defaults_unless_the_command_line_sets_them()
    {
        using var dir = new TempFolder();
        string model = Path.Combine(dir.Path, "parent.onnx");
        using (var backbone = BackboneFactory.Create(BackboneKind.Tiny, 32, 8))
        {
            OnnxExporter.Export(backbone, model);
        }

        var scratch = Read();
        Assert.Equal((FaceTrainerOptions.ScratchEpochs, false, 0.0), (scratch.Epochs, scratch.FreezeBatchNorm, scratch.FrozenLayerFraction));

        var tuned = Read("--init", model);
        Assert.Equal((FaceTrainerOptions.FineTuningEpochs, true, 32, 8), (tuned.Epochs, tuned.FreezeBatchNorm, tuned.ImageSize, tuned.EmbeddingSize));

        var set = Read("--init", model, "--epochs", "7", "--freeze-bn", "false", "--freeze-layers", "0.25");
        Assert.Equal((7, false, 0.25), (set.Epochs, set.FreezeBatchNorm, set.FrozenLayerFraction));

        Assert.True(Read("--freeze-bn").FreezeBatchNorm);

        // A size the model cannot have is refused, naming the option, not silently replaced by the card's.
        var error = Assert.Throws<ArgumentException>(() => Read("--image-size", "48", "--init", model));
        Assert.Contains("--image-size 48", error.Message, StringComparison.Ordinal);
        Assert.Contains("32", error.Message, StringComparison.Ordinal);
        Assert.Equal(32, Read("--image-size", "32", "--init", model).ImageSize);
    }

    private static FaceTrainerOptions Read(params string[] args)
    {
        var table = new TrainingOptionSet(new FaceTrainerOptions());
        var command = new Command("train");
        table.AddTo(command);
        var parse = command.Parse(args);
        Assert.Empty(parse.Errors);
        return table.Read(parse);
    }
}
