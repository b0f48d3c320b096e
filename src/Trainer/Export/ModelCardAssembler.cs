using System.Collections.ObjectModel;
using System.Globalization;
using KappaFace.MLNet.Onnx;
using KappaFace.MLNet.Trainer.Backbones;
using KappaFace.MLNet.Trainer.Heads;
using KappaFace.MLNet.Trainer.Import;
using KappaFace.MLNet.Trainer.Training;

namespace KappaFace.MLNet.Trainer.Export;

/// <summary>
/// Builds the model card (the ONNX <c>metadata_props</c>, docs/onnx-model.md) of an exported backbone:
/// the input contract (size, RGB, 0..255, NCHW, alignment), the embedding size, and, for a trained
/// model, the loss with its hyper-parameters and a summary of the training run.
/// </summary>
public static class ModelCardAssembler
{
    /// <summary>The <c>producer_name</c> written into exported models.</summary>
    public const string ProducerName = LibraryInfo.ProducerName;

    /// <summary>Extra key: optimiser of the training run (<c>sgd</c> or <c>adamw</c>).</summary>
    public const string OptimizerKey = "training.optimizer";

    /// <summary>Extra key: images per optimiser step.</summary>
    public const string BatchSizeKey = "training.batch_size";

    /// <summary>Extra key: peak learning rate.</summary>
    public const string LearningRateKey = "training.learning_rate";

    /// <summary>Extra key (KappaFace only): where the concentration estimate's unit vectors came from.</summary>
    public const string ConcentrationSourceKey = "loss.concentration_source";

    /// <summary>The version of this library (the assembly's informational version, e.g. <c>0.1.0+commit</c>).</summary>
    public static string LibraryVersion => LibraryInfo.Version;

    /// <summary>The card of an untrained or externally trained backbone: the input contract and sizes only.</summary>
    /// <param name="backbone">The backbone.</param>
    /// <param name="alignment">The face alignment the model expects; <see cref="ModelCard.NoAlignment"/> unless known.</param>
    /// <returns>The card.</returns>
    public static ModelCard ForBackbone(FaceBackbone backbone, string alignment = ModelCard.NoAlignment)
    {
        ArgumentNullException.ThrowIfNull(backbone);
        ArgumentException.ThrowIfNullOrWhiteSpace(alignment);
        var card = new ModelCard
        {
            LibraryVersion = LibraryVersion,
            Backbone = BackboneFactory.NameOf(backbone.Kind),
            InputSize = backbone.InputSize,
            EmbeddingSize = backbone.EmbeddingSize,
            ColorOrder = ModelCard.Rgb,
            ValueRange = ModelCard.PixelRange0To255,
            Layout = ModelCard.Nchw,
            Alignment = alignment,
        };
        return backbone is ImportedBackbone imported ? WithParent(card, imported) : card;
    }

    /// <summary>
    /// An imported backbone keeps its parent's name, alignment and <c>source.*</c> keys (its graph still
    /// starts with the source's preprocessing) and records the parent: <c>parent.sha256</c>, <c>parent.name</c>.
    /// </summary>
    private static ModelCard WithParent(ModelCard card, ImportedBackbone imported)
    {
        var properties = imported.ParentCard.AdditionalProperties
            .Where(p => p.Key.StartsWith("source.", StringComparison.Ordinal))
            .ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        properties[ModelCardKeys.ParentSha256] = imported.ParentSha256;
        properties[ModelCardKeys.ParentName] = imported.Name;
        return card with
        {
            Backbone = imported.Name,
            Alignment = card.Alignment == ModelCard.NoAlignment ? imported.ParentCard.Alignment : card.Alignment,
            AdditionalProperties = new ReadOnlyDictionary<string, string>(properties),
        };
    }

    /// <summary>The card of a trained model: <see cref="ForBackbone"/> plus loss, hyper-parameters and training summary.</summary>
    /// <param name="options">The options the model was trained with.</param>
    /// <param name="result">The training result (its backbone, classes, images and epochs).</param>
    /// <param name="alignment">The face alignment of the training images; <see cref="ModelCard.NoAlignment"/> unless known.</param>
    /// <returns>The card.</returns>
    public static ModelCard ForTraining(FaceTrainerOptions options, TrainingResult result, string alignment = ModelCard.NoAlignment)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(result);
        var extra = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [OptimizerKey] = options.Optimizer.ToString().ToLowerInvariant(),
            [BatchSizeKey] = options.BatchSize.ToString(CultureInfo.InvariantCulture),
            [LearningRateKey] = options.LearningRate.ToString("R", CultureInfo.InvariantCulture),
        };
        if (options.Margin.Loss == MarginLossKind.KappaFace)
        {
            extra[ConcentrationSourceKey] = options.Margin.KappaFace.Source.ToString();
        }

        var card = ForBackbone(result.Backbone, alignment);
        foreach (var (key, value) in card.AdditionalProperties)
        {
            extra.TryAdd(key, value);
        }

        return card with
        {
            Loss = LossName(options.Margin.Loss),
            LossParameters = LossParameters(options.Margin, result.Classes),
            TrainingClasses = result.Classes,
            TrainingImages = result.Images,
            TrainingSeed = options.Seed,
            TrainingEpochs = result.Epochs.Count,
            AdditionalProperties = new ReadOnlyDictionary<string, string>(extra),
        };
    }

    /// <summary>The loss's command-line name: <c>kappaface</c>, <c>arcface</c> or <c>cosface</c>.</summary>
    /// <param name="loss">The loss.</param>
    /// <returns>The name.</returns>
    public static string LossName(MarginLossKind loss) => loss.ToString().ToLowerInvariant();

    /// <summary>
    /// The loss hyper-parameters under the names of the <c>train --json</c> report: <c>s</c>, and
    /// <c>m</c> (ArcFace, CosFace) or <c>m0</c>, <c>T</c>, <c>gamma</c>, <c>momentum</c> (KappaFace).
    /// </summary>
    /// <param name="margin">The margin options.</param>
    /// <param name="classCount">The number of classes trained, which sets the scale when the options leave it open.</param>
    /// <returns>Name to value.</returns>
    public static IReadOnlyDictionary<string, double> LossParameters(MarginOptions margin, int classCount)
    {
        ArgumentNullException.ThrowIfNull(margin);
        var parameters = new Dictionary<string, double>(StringComparer.Ordinal) { ["s"] = margin.EffectiveScale(classCount) };
        if (margin.Loss == MarginLossKind.KappaFace)
        {
            parameters["m0"] = margin.EffectiveMargin;
            parameters["T"] = margin.KappaFace.Temperature;
            parameters["gamma"] = margin.KappaFace.Gamma;
            parameters["momentum"] = margin.KappaFace.MemoryMomentum;
        }
        else
        {
            parameters["m"] = margin.EffectiveMargin;
        }

        return new ReadOnlyDictionary<string, double>(parameters);
    }
}
