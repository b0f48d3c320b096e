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
public sealed record FaceRecognitionTrainerOptions
{
    /// <summary>The label column: a key type (any key count); key values (e.g. identity names) become class names. Default <c>Label</c>.</summary>
    public string LabelColumnName { get; init; } = FaceColumnNames.Label;

    /// <summary>
    /// The image column: an <c>MLImage</c> (any size: the trainer resizes it to
    /// <see cref="FaceTrainerOptions.ImageSize"/> itself, keeping the aspect ratio and cropping the centre,
    /// as <c>ApplyFaceEmbedding</c> does at inference) or a float vector of exactly 3 x H x H values (RGB
    /// planes, 0..255; rounded to whole values for training). Default <c>Image</c>.
    /// </summary>
    public string ImageColumnName { get; init; } = FaceColumnNames.Image;

    /// <summary>The embedding column the fitted transformer writes. Default <c>Embedding</c>.</summary>
    public string OutputColumnName { get; init; } = FaceColumnNames.Embedding;

    /// <summary>
    /// Where the trained ONNX model is written. Null (default): a new file <c>kappaface-*.onnx</c> in the
    /// temporary folder, which the caller may delete: the fitted transformer holds the model's bytes, and
    /// <c>mlContext.Model.Save</c> stores them in the saved model.
    /// </summary>
    public string? ModelPath { get; init; }

    /// <summary>
    /// Fraction of the identities held out (seeded by <see cref="FaceTrainerOptions.Seed"/>, whole identities) for
    /// per-epoch verification accuracy (<see cref="FaceRecognitionTrainer.LastTraining"/>); the model is trained on
    /// the others. In [0, 1); default 0 (train on every identity).
    /// </summary>
    public double ValidationFraction { get; init; }

    /// <summary>Receives progress after optimiser steps (as well as the <c>MLContext</c> log). Optional.</summary>
    public IProgress<TrainingProgress>? Progress { get; init; }

    /// <summary>Stops training (an <see cref="OperationCanceledException"/> from <c>Fit</c>). Optional.</summary>
    public CancellationToken CancellationToken { get; init; }

    /// <summary>
    /// The training run: backbone, image and embedding size, loss and its hyper-parameters, epochs,
    /// batch size, learning rate, seed, ... A <see cref="FaceTrainerOptions.Device"/> other than <c>auto</c> is
    /// used as given; <c>auto</c> (the default) follows ML.NET: <c>MLContext.GpuDeviceId</c> and
    /// <c>MLContext.FallbackToCpu</c> (null: the CPU). The <c>KappaFace</c>/<c>ArcFace</c>/<c>CosFace</c>
    /// methods set <see cref="MarginOptions.Loss"/> to their loss (the options given are not changed).
    /// </summary>
    public FaceTrainerOptions Training { get; init; } = new();
}
