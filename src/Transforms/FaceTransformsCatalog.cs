using KappaFace.MLNet.Onnx;
using KappaFace.MLNet.Transforms.Embedding;
using KappaFace.MLNet.Transforms.Scoring;
using Microsoft.ML;

namespace KappaFace.MLNet.Transforms;

/// <summary>
/// Face recognition transforms on <c>mlContext.Transforms</c>: embed faces with a KappaFace ONNX model
/// and score pairs of embeddings. Both are built only from ML.NET's saveable transforms, so fitted
/// pipelines round-trip through <c>mlContext.Model.Save/Load</c> (also in another process that merely
/// references this assembly).
/// </summary>
public static class FaceTransformsCatalog
{
    /// <summary>
    /// Embeds the <see cref="FaceColumnNames.Image"/> column into <see cref="FaceColumnNames.Embedding"/>
    /// with a KappaFace ONNX model file.
    /// </summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="modelFile">The ONNX model (docs/onnx-model.md).</param>
    /// <param name="gpuDeviceId">CUDA device, or null for <c>MLContext.GpuDeviceId</c> (as <c>ApplyOnnxModel</c>).</param>
    /// <param name="fallbackToCpu">Use the CPU when the GPU cannot be used.</param>
    /// <returns>The estimator.</returns>
    /// <exception cref="OnnxModelException">The model is missing, not ONNX, or breaks the contract.</exception>
    public static FaceEmbeddingEstimator ApplyFaceEmbedding(this TransformsCatalog catalog, string modelFile, int? gpuDeviceId = null, bool fallbackToCpu = false) =>
        ApplyFaceEmbedding(catalog, FaceColumnNames.Embedding, FaceColumnNames.Image, modelFile, gpuDeviceId, fallbackToCpu);

    /// <summary>
    /// Embeds faces with a KappaFace ONNX model file: an image column (<c>MLImage</c>, any size; resized to
    /// the model card's H x H) or a float vector of 3 x H x H pixels (RGB planes, 0..255) in, D floats out.
    /// </summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="outputColumnName">The embedding column to write.</param>
    /// <param name="inputColumnName">The image or pixel column to read.</param>
    /// <param name="modelFile">The ONNX model (docs/onnx-model.md).</param>
    /// <param name="gpuDeviceId">CUDA device, or null for <c>MLContext.GpuDeviceId</c> (as <c>ApplyOnnxModel</c>).</param>
    /// <param name="fallbackToCpu">Use the CPU when the GPU cannot be used.</param>
    /// <returns>The estimator.</returns>
    /// <exception cref="OnnxModelException">The model is missing, not ONNX, or breaks the contract.</exception>
    public static FaceEmbeddingEstimator ApplyFaceEmbedding(
        this TransformsCatalog catalog,
        string outputColumnName,
        string inputColumnName,
        string modelFile,
        int? gpuDeviceId = null,
        bool fallbackToCpu = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelFile);
        return ApplyFaceEmbedding(catalog, new FaceEmbeddingOptions
        {
            OutputColumnName = outputColumnName,
            InputColumnName = inputColumnName,
            ModelFile = modelFile,
            GpuDeviceId = gpuDeviceId,
            FallbackToCpu = fallbackToCpu,
        });
    }

    /// <summary>Embeds <see cref="FaceColumnNames.Image"/> into <see cref="FaceColumnNames.Embedding"/> with a model read from a stream.</summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="modelStream">The ONNX model, read to its end now (the stream is not disposed).</param>
    /// <param name="gpuDeviceId">CUDA device, or null for <c>MLContext.GpuDeviceId</c>.</param>
    /// <param name="fallbackToCpu">Use the CPU when the GPU cannot be used.</param>
    /// <returns>The estimator.</returns>
    public static FaceEmbeddingEstimator ApplyFaceEmbedding(this TransformsCatalog catalog, Stream modelStream, int? gpuDeviceId = null, bool fallbackToCpu = false) =>
        ApplyFaceEmbedding(catalog, FaceColumnNames.Embedding, FaceColumnNames.Image, modelStream, gpuDeviceId, fallbackToCpu);

    /// <summary>Embeds faces with a model read from a stream (see the file overload).</summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="outputColumnName">The embedding column to write.</param>
    /// <param name="inputColumnName">The image or pixel column to read.</param>
    /// <param name="modelStream">The ONNX model, read to its end now (the stream is not disposed).</param>
    /// <param name="gpuDeviceId">CUDA device, or null for <c>MLContext.GpuDeviceId</c>.</param>
    /// <param name="fallbackToCpu">Use the CPU when the GPU cannot be used.</param>
    /// <returns>The estimator.</returns>
    public static FaceEmbeddingEstimator ApplyFaceEmbedding(
        this TransformsCatalog catalog,
        string outputColumnName,
        string inputColumnName,
        Stream modelStream,
        int? gpuDeviceId = null,
        bool fallbackToCpu = false)
    {
        ArgumentNullException.ThrowIfNull(modelStream);
        using var buffer = new MemoryStream();
        modelStream.CopyTo(buffer);
        return ApplyFaceEmbedding(catalog, outputColumnName, inputColumnName, buffer.ToArray(), gpuDeviceId, fallbackToCpu);
    }

    /// <summary>Embeds <see cref="FaceColumnNames.Image"/> into <see cref="FaceColumnNames.Embedding"/> with a serialised model.</summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="modelBytes">The ONNX model bytes (not copied; do not change them afterwards).</param>
    /// <param name="gpuDeviceId">CUDA device, or null for <c>MLContext.GpuDeviceId</c>.</param>
    /// <param name="fallbackToCpu">Use the CPU when the GPU cannot be used.</param>
    /// <returns>The estimator.</returns>
    public static FaceEmbeddingEstimator ApplyFaceEmbedding(this TransformsCatalog catalog, byte[] modelBytes, int? gpuDeviceId = null, bool fallbackToCpu = false) =>
        ApplyFaceEmbedding(catalog, FaceColumnNames.Embedding, FaceColumnNames.Image, modelBytes, gpuDeviceId, fallbackToCpu);

    /// <summary>Embeds faces with a serialised model (see the file overload).</summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="outputColumnName">The embedding column to write.</param>
    /// <param name="inputColumnName">The image or pixel column to read.</param>
    /// <param name="modelBytes">The ONNX model bytes (not copied; do not change them afterwards).</param>
    /// <param name="gpuDeviceId">CUDA device, or null for <c>MLContext.GpuDeviceId</c>.</param>
    /// <param name="fallbackToCpu">Use the CPU when the GPU cannot be used.</param>
    /// <returns>The estimator.</returns>
    public static FaceEmbeddingEstimator ApplyFaceEmbedding(
        this TransformsCatalog catalog,
        string outputColumnName,
        string inputColumnName,
        byte[] modelBytes,
        int? gpuDeviceId = null,
        bool fallbackToCpu = false)
    {
        ArgumentNullException.ThrowIfNull(modelBytes);
        return ApplyFaceEmbedding(catalog, new FaceEmbeddingOptions
        {
            OutputColumnName = outputColumnName,
            InputColumnName = inputColumnName,
            ModelBytes = modelBytes,
            GpuDeviceId = gpuDeviceId,
            FallbackToCpu = fallbackToCpu,
        });
    }

    /// <summary>Embeds faces with all options (norm column, resizing).</summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="options">The options.</param>
    /// <returns>The estimator.</returns>
    /// <exception cref="OnnxModelException">The model is missing, not ONNX, or breaks the contract.</exception>
    public static FaceEmbeddingEstimator ApplyFaceEmbedding(this TransformsCatalog catalog, FaceEmbeddingOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        return new FaceEmbeddingEstimator(catalog, options);
    }

    /// <summary>
    /// Scores pairs of embeddings: <paramref name="scoreColumnName"/> = cosine similarity (float, in
    /// [-1, 1]) and, when <paramref name="threshold"/> is given, <paramref name="predictedLabelColumnName"/>
    /// = score &gt;= threshold (bool). Without a threshold only the score is written (e.g. to calibrate one).
    /// </summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="embeddingColumnNameA">The first embedding column.</param>
    /// <param name="embeddingColumnNameB">The second embedding column.</param>
    /// <param name="threshold">The decision threshold; it is applied as a float32 (the score's type). Null: no decision column.</param>
    /// <param name="scoreColumnName">The score column to write.</param>
    /// <param name="predictedLabelColumnName">The decision column to write.</param>
    /// <returns>The estimator.</returns>
    public static FacePairScoringEstimator ScoreFacePairs(
        this TransformsCatalog catalog,
        string embeddingColumnNameA = FaceColumnNames.EmbeddingA,
        string embeddingColumnNameB = FaceColumnNames.EmbeddingB,
        double? threshold = null,
        string scoreColumnName = FaceColumnNames.Score,
        string predictedLabelColumnName = FaceColumnNames.PredictedLabel) =>
        new(catalog, embeddingColumnNameA, embeddingColumnNameB, threshold, scoreColumnName, predictedLabelColumnName, embeddingSize: null);

    /// <summary>
    /// Scores pairs of embeddings at the verification threshold of a model card
    /// (<c>verification.threshold</c>); the embedding columns must have the card's embedding size.
    /// </summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="modelCard">The card of the model that made the embeddings, e.g. <c>ModelCard.ReadFrom(path)</c>
    /// or <see cref="FaceEmbeddingEstimator.ModelCard"/>.</param>
    /// <param name="embeddingColumnNameA">The first embedding column.</param>
    /// <param name="embeddingColumnNameB">The second embedding column.</param>
    /// <param name="scoreColumnName">The score column to write.</param>
    /// <param name="predictedLabelColumnName">The decision column to write.</param>
    /// <returns>The estimator.</returns>
    /// <exception cref="InvalidOperationException">The card has no verification threshold (the model is not calibrated).</exception>
    public static FacePairScoringEstimator ScoreFacePairs(
        this TransformsCatalog catalog,
        ModelCard modelCard,
        string embeddingColumnNameA = FaceColumnNames.EmbeddingA,
        string embeddingColumnNameB = FaceColumnNames.EmbeddingB,
        string scoreColumnName = FaceColumnNames.Score,
        string predictedLabelColumnName = FaceColumnNames.PredictedLabel)
    {
        ArgumentNullException.ThrowIfNull(modelCard);
        double threshold = modelCard.VerificationThreshold
            ?? throw new InvalidOperationException(
                $"The model card has no '{ModelCardKeys.VerificationThreshold}': the model is not calibrated. "
                + "Calibrate it (mlContext.FaceRecognition().CalibrateThreshold) or pass a threshold.");
        return new(catalog, embeddingColumnNameA, embeddingColumnNameB, threshold, scoreColumnName, predictedLabelColumnName, modelCard.EmbeddingSize);
    }
}
