using KappaFace.MLNet.Trainer.Heads;
using KappaFace.MLNet.Trainer.Training;
using KappaFace.MLNet.Transforms;

namespace KappaFace.MLNet.Trainer.MLNet;

/// <summary>
/// The trainers of <c>mlContext.FaceRecognition().Trainers</c>: <c>KappaFace</c>, <c>ArcFace</c> and
/// <c>CosFace</c>, each with a few loose arguments (the columns, epochs and model path) and an options overload
/// (<see cref="FaceRecognitionTrainerOptions"/>, every setting), as ML.NET's own trainers.
/// </summary>
public static class FaceRecognitionTrainersExtensions
{
    /// <summary>A KappaFace trainer (adaptive per-class margins, the default loss). Every other setting at its default (<see cref="FaceTrainerOptions"/>); the options overload sets them all.</summary>
    /// <param name="catalog">The trainers catalog.</param>
    /// <param name="labelColumnName">The label column (key type).</param>
    /// <param name="imageColumnName">The image column (MLImage of any size, or Vector&lt;Single, 3*H*H&gt;).</param>
    /// <param name="outputColumnName">The embedding column of the fitted transformer.</param>
    /// <param name="epochs">Passes over the data.</param>
    /// <param name="modelPath">Where the ONNX model is written; null: a temporary file.</param>
    /// <returns>The estimator.</returns>
    public static FaceRecognitionTrainer KappaFace(this FaceRecognitionTrainers catalog,
        string labelColumnName = FaceColumnNames.Label, string imageColumnName = FaceColumnNames.Image,
        string outputColumnName = FaceColumnNames.Embedding, int epochs = 10, string? modelPath = null) =>
        Make(catalog, MarginLossKind.KappaFace, Loose(labelColumnName, imageColumnName, outputColumnName, epochs, modelPath));

    /// <summary>A KappaFace trainer with all options (<see cref="MarginOptions.Loss"/> is set to KappaFace).</summary>
    /// <param name="catalog">The trainers catalog.</param>
    /// <param name="options">The options; not changed.</param>
    /// <returns>The estimator.</returns>
    public static FaceRecognitionTrainer KappaFace(this FaceRecognitionTrainers catalog, FaceRecognitionTrainerOptions options) =>
        Make(catalog, MarginLossKind.KappaFace, options);

    /// <summary>An ArcFace trainer (additive angular margin). Every other setting at its default (<see cref="FaceTrainerOptions"/>); the options overload sets them all.</summary>
    /// <param name="catalog">The trainers catalog.</param>
    /// <param name="labelColumnName">The label column (key type).</param>
    /// <param name="imageColumnName">The image column (MLImage of any size, or Vector&lt;Single, 3*H*H&gt;).</param>
    /// <param name="outputColumnName">The embedding column of the fitted transformer.</param>
    /// <param name="epochs">Passes over the data.</param>
    /// <param name="modelPath">Where the ONNX model is written; null: a temporary file.</param>
    /// <returns>The estimator.</returns>
    public static FaceRecognitionTrainer ArcFace(this FaceRecognitionTrainers catalog,
        string labelColumnName = FaceColumnNames.Label, string imageColumnName = FaceColumnNames.Image,
        string outputColumnName = FaceColumnNames.Embedding, int epochs = 10, string? modelPath = null) =>
        Make(catalog, MarginLossKind.ArcFace, Loose(labelColumnName, imageColumnName, outputColumnName, epochs, modelPath));

    /// <summary>A ArcFace trainer with all options (<see cref="MarginOptions.Loss"/> is set to ArcFace).</summary>
    /// <param name="catalog">The trainers catalog.</param>
    /// <param name="options">The options; not changed.</param>
    /// <returns>The estimator.</returns>
    public static FaceRecognitionTrainer ArcFace(this FaceRecognitionTrainers catalog, FaceRecognitionTrainerOptions options) =>
        Make(catalog, MarginLossKind.ArcFace, options);

    /// <summary>A CosFace trainer (additive cosine margin). Every other setting at its default (<see cref="FaceTrainerOptions"/>); the options overload sets them all.</summary>
    /// <param name="catalog">The trainers catalog.</param>
    /// <param name="labelColumnName">The label column (key type).</param>
    /// <param name="imageColumnName">The image column (MLImage of any size, or Vector&lt;Single, 3*H*H&gt;).</param>
    /// <param name="outputColumnName">The embedding column of the fitted transformer.</param>
    /// <param name="epochs">Passes over the data.</param>
    /// <param name="modelPath">Where the ONNX model is written; null: a temporary file.</param>
    /// <returns>The estimator.</returns>
    public static FaceRecognitionTrainer CosFace(this FaceRecognitionTrainers catalog,
        string labelColumnName = FaceColumnNames.Label, string imageColumnName = FaceColumnNames.Image,
        string outputColumnName = FaceColumnNames.Embedding, int epochs = 10, string? modelPath = null) =>
        Make(catalog, MarginLossKind.CosFace, Loose(labelColumnName, imageColumnName, outputColumnName, epochs, modelPath));

    /// <summary>A CosFace trainer with all options (<see cref="MarginOptions.Loss"/> is set to CosFace).</summary>
    /// <param name="catalog">The trainers catalog.</param>
    /// <param name="options">The options; not changed.</param>
    /// <returns>The estimator.</returns>
    public static FaceRecognitionTrainer CosFace(this FaceRecognitionTrainers catalog, FaceRecognitionTrainerOptions options) =>
        Make(catalog, MarginLossKind.CosFace, options);

    private static FaceRecognitionTrainerOptions Loose(string labelColumnName, string imageColumnName, string outputColumnName, int epochs, string? modelPath) => new()
    {
        LabelColumnName = labelColumnName,
        ImageColumnName = imageColumnName,
        OutputColumnName = outputColumnName,
        ModelPath = modelPath,
        Training = new FaceTrainerOptions { Epochs = epochs },
    };

    private static FaceRecognitionTrainer Make(FaceRecognitionTrainers catalog, MarginLossKind loss, FaceRecognitionTrainerOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new FaceRecognitionTrainer(catalog.Context, options, loss);
    }
}
