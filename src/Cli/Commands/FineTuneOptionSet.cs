using System.CommandLine;
using KappaFace.MLNet.Onnx;
using KappaFace.MLNet.Trainer.Training;

namespace KappaFace.MLNet.Cli.Commands;

/// <summary>
/// <c>train --init MODEL.onnx [--freeze-bn] [--backbone-lr-scale X]</c>: fine-tune a KappaFace model
/// (exported, or wrapped by <c>kappaface import</c>) instead of training a fresh backbone; the image and
/// embedding sizes come from its model card.
/// </summary>
internal sealed class FineTuneOptionSet
{
    private readonly Option<FileInfo?> _init = new("--init") { Description = "Fine-tune this KappaFace model (from `kappaface import` or `train`) instead of a fresh backbone; sizes come from its card." };
    private readonly Option<bool> _freezeBatchNorm = new("--freeze-bn") { Description = "Keep batch-norm statistics fixed (eval mode) while training; advised on small data." };
    private readonly Option<double> _backboneScale = new("--backbone-lr-scale") { Description = "With --init: the backbone's learning rate as a fraction of --lr (the class centres use --lr).", DefaultValueFactory = _ => new FaceTrainerOptions().BackboneLearningRateScale };

    public void AddTo(Command command)
    {
        command.Add(_init);
        command.Add(_freezeBatchNorm);
        command.Add(_backboneScale);
    }

    /// <summary>Sets the fine-tuning fields of <paramref name="options"/> from the command line.</summary>
    public void Apply(ParseResult parse, FaceTrainerOptions options)
    {
        options.FreezeBatchNorm = parse.GetValue(_freezeBatchNorm);
        options.BackboneLearningRateScale = parse.GetValue(_backboneScale);
        if (parse.GetValue(_init) is { } init)
        {
            var card = ModelCard.ReadFrom(init.FullName);
            options.InitialModel = init.FullName;
            options.ImageSize = card.InputSize;
            options.EmbeddingSize = card.EmbeddingSize;
        }
    }
}
