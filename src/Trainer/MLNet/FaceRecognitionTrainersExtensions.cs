using KappaFace.MLNet.Trainer.Backbones;
using KappaFace.MLNet.Trainer.Heads;
using KappaFace.MLNet.Transforms;

namespace KappaFace.MLNet.Trainer.MLNet;

/// <summary>
/// The trainers of <c>mlContext.FaceRecognition().Trainers</c>: <c>KappaFace</c>, <c>ArcFace</c> and
/// <c>CosFace</c>, each with loose arguments and an options overload, as ML.NET's own trainers.
/// </summary>
public static class FaceRecognitionTrainersExtensions
{
    /// <summary>A KappaFace trainer (adaptive per-class margins, the default loss).</summary>
    /// <param name="catalog">The trainers catalog.</param>
    /// <param name="labelColumnName">The label column (key type).</param>
    /// <param name="imageColumnName">The image column (MLImage of any size, or Vector&lt;Single, 3*H*H&gt;).</param>
    /// <param name="outputColumnName">The embedding column of the fitted transformer.</param>
    /// <param name="backbone">The network.</param>
    /// <param name="imageSize">The network's input side H (a multiple of 16).</param>
    /// <param name="embeddingSize">The embedding length D.</param>
    /// <param name="epochs">Passes over the data.</param>
    /// <param name="batchSize">Images per step.</param>
    /// <param name="learningRate">Peak learning rate.</param>
    /// <param name="scale">The logit scale s.</param>
    /// <param name="margin">The base margin m0; null: the loss's default (0.8).</param>
    /// <param name="modelPath">Where the ONNX model is written; null: a temporary file.</param>
    /// <returns>The estimator.</returns>
    public static FaceRecognitionTrainer KappaFace(this FaceRecognitionTrainers catalog,
        string labelColumnName = FaceColumnNames.Label, string imageColumnName = FaceColumnNames.Image,
        string outputColumnName = FaceColumnNames.Embedding, BackboneKind backbone = BackboneKind.MobileFaceNet,
        int imageSize = 112, int embeddingSize = 512, int epochs = 10, int batchSize = 64, double learningRate = 0.1,
        double scale = 64, double? margin = null, string? modelPath = null) =>
        Make(catalog, MarginLossKind.KappaFace, FaceRecognitionTrainerOptions.Create(labelColumnName, imageColumnName, outputColumnName,
            backbone, imageSize, embeddingSize, epochs, batchSize, learningRate, scale, margin, modelPath));

    /// <summary>A KappaFace trainer with all options (<see cref="MarginOptions.Loss"/> is set to KappaFace).</summary>
    /// <param name="catalog">The trainers catalog.</param>
    /// <param name="options">The options; not changed.</param>
    /// <returns>The estimator.</returns>
    public static FaceRecognitionTrainer KappaFace(this FaceRecognitionTrainers catalog, FaceRecognitionTrainerOptions options) =>
        Make(catalog, MarginLossKind.KappaFace, options);

    /// <summary>An ArcFace trainer (additive angular margin).</summary>
    /// <param name="catalog">The trainers catalog.</param>
    /// <param name="labelColumnName">The label column (key type).</param>
    /// <param name="imageColumnName">The image column (MLImage of any size, or Vector&lt;Single, 3*H*H&gt;).</param>
    /// <param name="outputColumnName">The embedding column of the fitted transformer.</param>
    /// <param name="backbone">The network.</param>
    /// <param name="imageSize">The network's input side H (a multiple of 16).</param>
    /// <param name="embeddingSize">The embedding length D.</param>
    /// <param name="epochs">Passes over the data.</param>
    /// <param name="batchSize">Images per step.</param>
    /// <param name="learningRate">Peak learning rate.</param>
    /// <param name="scale">The logit scale s.</param>
    /// <param name="margin">The margin; null: the loss's default (0.5).</param>
    /// <param name="modelPath">Where the ONNX model is written; null: a temporary file.</param>
    /// <returns>The estimator.</returns>
    public static FaceRecognitionTrainer ArcFace(this FaceRecognitionTrainers catalog,
        string labelColumnName = FaceColumnNames.Label, string imageColumnName = FaceColumnNames.Image,
        string outputColumnName = FaceColumnNames.Embedding, BackboneKind backbone = BackboneKind.MobileFaceNet,
        int imageSize = 112, int embeddingSize = 512, int epochs = 10, int batchSize = 64, double learningRate = 0.1,
        double scale = 64, double? margin = null, string? modelPath = null) =>
        Make(catalog, MarginLossKind.ArcFace, FaceRecognitionTrainerOptions.Create(labelColumnName, imageColumnName, outputColumnName,
            backbone, imageSize, embeddingSize, epochs, batchSize, learningRate, scale, margin, modelPath));

    /// <summary>An ArcFace trainer with all options (<see cref="MarginOptions.Loss"/> is set to ArcFace).</summary>
    /// <param name="catalog">The trainers catalog.</param>
    /// <param name="options">The options; not changed.</param>
    /// <returns>The estimator.</returns>
    public static FaceRecognitionTrainer ArcFace(this FaceRecognitionTrainers catalog, FaceRecognitionTrainerOptions options) =>
        Make(catalog, MarginLossKind.ArcFace, options);

    /// <summary>A CosFace trainer (additive cosine margin).</summary>
    /// <param name="catalog">The trainers catalog.</param>
    /// <param name="labelColumnName">The label column (key type).</param>
    /// <param name="imageColumnName">The image column (MLImage of any size, or Vector&lt;Single, 3*H*H&gt;).</param>
    /// <param name="outputColumnName">The embedding column of the fitted transformer.</param>
    /// <param name="backbone">The network.</param>
    /// <param name="imageSize">The network's input side H (a multiple of 16).</param>
    /// <param name="embeddingSize">The embedding length D.</param>
    /// <param name="epochs">Passes over the data.</param>
    /// <param name="batchSize">Images per step.</param>
    /// <param name="learningRate">Peak learning rate.</param>
    /// <param name="scale">The logit scale s.</param>
    /// <param name="margin">The margin; null: the loss's default (0.35).</param>
    /// <param name="modelPath">Where the ONNX model is written; null: a temporary file.</param>
    /// <returns>The estimator.</returns>
    public static FaceRecognitionTrainer CosFace(this FaceRecognitionTrainers catalog,
        string labelColumnName = FaceColumnNames.Label, string imageColumnName = FaceColumnNames.Image,
        string outputColumnName = FaceColumnNames.Embedding, BackboneKind backbone = BackboneKind.MobileFaceNet,
        int imageSize = 112, int embeddingSize = 512, int epochs = 10, int batchSize = 64, double learningRate = 0.1,
        double scale = 64, double? margin = null, string? modelPath = null) =>
        Make(catalog, MarginLossKind.CosFace, FaceRecognitionTrainerOptions.Create(labelColumnName, imageColumnName, outputColumnName,
            backbone, imageSize, embeddingSize, epochs, batchSize, learningRate, scale, margin, modelPath));

    /// <summary>A CosFace trainer with all options (<see cref="MarginOptions.Loss"/> is set to CosFace).</summary>
    /// <param name="catalog">The trainers catalog.</param>
    /// <param name="options">The options; not changed.</param>
    /// <returns>The estimator.</returns>
    public static FaceRecognitionTrainer CosFace(this FaceRecognitionTrainers catalog, FaceRecognitionTrainerOptions options) =>
        Make(catalog, MarginLossKind.CosFace, options);

    private static FaceRecognitionTrainer Make(FaceRecognitionTrainers catalog, MarginLossKind loss, FaceRecognitionTrainerOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new FaceRecognitionTrainer(catalog.Context, options, loss);
    }
}
