using KappaFace.MLNet.Trainer.Backbones;
using KappaFace.MLNet.Trainer.Heads;
using KappaFace.MLNet.Trainer.Training;
using KappaFace.MLNet.Transforms;

namespace KappaFace.MLNet.Trainer.MLNet;

/// <summary>
/// Options of the face recognition trainer estimator (<see cref="FaceRecognitionTrainer"/>), as taken by
/// the <c>Options</c> overloads of <c>mlContext.FaceRecognition().Trainers.KappaFace/ArcFace/CosFace</c>.
/// The column names and the ML.NET-facing settings live here; everything about the training run itself
/// is in <see cref="Training"/> (the options of <see cref="FaceModelTrainer"/>).
/// </summary>
public sealed class FaceRecognitionTrainerOptions
{
    /// <summary>The label column: a key type (any key count); key values (e.g. identity names) become class names. Default <c>Label</c>.</summary>
    public string LabelColumnName { get; set; } = FaceColumnNames.Label;

    /// <summary>
    /// The image column: an <c>MLImage</c> (any size: the trainer resizes it to
    /// <see cref="FaceTrainerOptions.ImageSize"/> itself, keeping the aspect ratio and cropping the centre,
    /// as <c>ApplyFaceEmbedding</c> does at inference) or a float vector of exactly 3 x H x H values (RGB
    /// planes, 0..255; rounded to whole values for training). Default <c>Image</c>.
    /// </summary>
    public string ImageColumnName { get; set; } = FaceColumnNames.Image;

    /// <summary>The embedding column the fitted transformer writes. Default <c>Embedding</c>.</summary>
    public string OutputColumnName { get; set; } = FaceColumnNames.Embedding;

    /// <summary>
    /// Where the trained ONNX model is written. Null (default): a new file <c>kappaface-*.onnx</c> in the
    /// temporary folder, which the caller may delete: the fitted transformer holds the model's bytes, and
    /// <c>mlContext.Model.Save</c> stores them in the saved model.
    /// </summary>
    public string? ModelPath { get; set; }

    /// <summary>
    /// The seed of weights, shuffling and flips. Null (default): drawn from the <c>MLContext</c>'s
    /// random source, so <c>new MLContext(seed: n)</c> makes the run repeatable. Overrides
    /// <see cref="FaceTrainerOptions.Seed"/>.
    /// </summary>
    public int? Seed { get; set; }

    /// <summary>Receives progress after optimiser steps (as well as the <c>MLContext</c> log). Optional.</summary>
    public IProgress<TrainingProgress>? Progress { get; set; }

    /// <summary>Stops training (an <see cref="OperationCanceledException"/> from <c>Fit</c>). Optional.</summary>
    public CancellationToken CancellationToken { get; set; }

    /// <summary>
    /// The training run: backbone, image and embedding size, loss and its hyper-parameters, epochs,
    /// batch size, learning rate, ... <see cref="FaceTrainerOptions.Device"/> is not used: the device
    /// comes from <c>MLContext.GpuDeviceId</c> and <c>MLContext.FallbackToCpu</c> (null: the CPU), and the
    /// seed from <see cref="Seed"/>. A <see cref="FaceTrainerOptions.ValidationFraction"/> above 0 holds out that share
    /// of the identities (seeded, whole identities) for per-epoch verification accuracy
    /// (<see cref="FaceRecognitionTrainer.LastTraining"/>); the model is trained on the others. The
    /// <c>KappaFace</c>/<c>ArcFace</c>/<c>CosFace</c> methods set
    /// <see cref="MarginOptions.Loss"/> to their loss.
    /// </summary>
    public FaceTrainerOptions Training { get; set; } = new();

    /// <summary>Options with loose arguments filled in (used by the catalog methods).</summary>
    internal static FaceRecognitionTrainerOptions Create(
        string labelColumnName, string imageColumnName, string outputColumnName, BackboneKind backbone, int imageSize,
        int embeddingSize, int epochs, int batchSize, double learningRate, double scale, double? margin, string? modelPath) =>
        new()
        {
            LabelColumnName = labelColumnName,
            ImageColumnName = imageColumnName,
            OutputColumnName = outputColumnName,
            ModelPath = modelPath,
            Training = new FaceTrainerOptions
            {
                Backbone = backbone,
                ImageSize = imageSize,
                EmbeddingSize = embeddingSize,
                Epochs = epochs,
                BatchSize = batchSize,
                LearningRate = learningRate,
                Margin = new MarginOptions { Scale = scale, Margin = margin },
            },
        };
}
