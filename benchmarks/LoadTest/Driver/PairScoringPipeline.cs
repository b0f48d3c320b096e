using KappaFace.MLNet.Transforms;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace KappaFace.MLNet.LoadTesting;

/// <summary>
/// The ML.NET verification pipeline under load: two pixel columns embedded by <c>ApplyFaceEmbedding</c>,
/// then <c>ScoreFacePairs</c>, served through <see cref="PredictionEngine{TSrc, TDst}"/> instances. Owns the
/// fitted model (its ONNX Runtime sessions); engines only borrow it.
/// </summary>
internal sealed class PairScoringPipeline : IDisposable
{
    private readonly MLContext _ml;
    private readonly SchemaDefinition _schema;

    /// <summary>Fits the pipeline on <paramref name="modelPath"/> for H x H inputs.</summary>
    public PairScoringPipeline(MLContext ml, string modelPath, int inputSize)
    {
        ArgumentNullException.ThrowIfNull(ml);
        _ml = ml;
        // Vector columns need their length in the schema; ApplyFaceEmbedding checks it against the model.
        _schema = SchemaDefinition.Create(typeof(PixelPair));
        var pixels = new VectorDataViewType(NumberDataViewType.Single, 3 * inputSize * inputSize);
        _schema[nameof(PixelPair.PixelsA)].ColumnType = pixels;
        _schema[nameof(PixelPair.PixelsB)].ColumnType = pixels;
        var sample = new PixelPair { PixelsA = new float[3 * inputSize * inputSize], PixelsB = new float[3 * inputSize * inputSize] };
        IDataView data = ml.Data.LoadFromEnumerable([sample], _schema);
        Model = ml.Transforms.ApplyFaceEmbedding(FaceColumnNames.EmbeddingA, nameof(PixelPair.PixelsA), modelPath)
            .Append(ml.Transforms.ApplyFaceEmbedding(FaceColumnNames.EmbeddingB, nameof(PixelPair.PixelsB), modelPath))
            .Append(ml.Transforms.ScoreFacePairs())
            .Fit(data);
    }

    /// <summary>The fitted transformer chain.</summary>
    public ITransformer Model { get; }

    /// <summary>A new engine; engines are not thread-safe, so one per thread or a pool.</summary>
    /// <remarks>
    /// <c>OwnsTransformer = false</c> is essential: by default disposing an engine disposes the model it was
    /// made from, i.e. the ONNX sessions every other engine is still using (found by this load test:
    /// NullReferenceException inside InferenceSession.Run on other threads).
    /// </remarks>
    public PredictionEngine<PixelPair, PairScore> CreateEngine() =>
        _ml.Model.CreatePredictionEngine<PixelPair, PairScore>(
            Model, new PredictionEngineOptions { InputSchemaDefinition = _schema, OwnsTransformer = false });

    /// <summary>Releases the model's ONNX Runtime sessions; dispose the engines first.</summary>
    public void Dispose() => (Model as IDisposable)?.Dispose();
}

/// <summary>Input row: the two images of a pair, 3 x H x H floats each (RGB planes, 0..255).</summary>
internal sealed class PixelPair
{
    public float[] PixelsA { get; set; } = [];

    public float[] PixelsB { get; set; } = [];

    public static PixelPair Of(LoadWorkload workload, int pair)
    {
        var (a, b) = workload.Pair(pair);
        return new PixelPair { PixelsA = a, PixelsB = b };
    }
}

/// <summary>Output row: the cosine score.</summary>
internal sealed class PairScore
{
    public float Score { get; set; }
}
