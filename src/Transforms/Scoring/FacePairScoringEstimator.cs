using System.Globalization;
using KappaFace.MLNet.Transforms.Common;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace KappaFace.MLNet.Transforms.Scoring;

/// <summary>
/// Scores pairs of face embeddings: <c>Score</c> = cosine similarity, and, with a threshold,
/// <c>PredictedLabel</c> = <c>Score &gt;= threshold</c> (docs/verification.md). Made by
/// <see cref="FaceTransformsCatalog.ScoreFacePairs(TransformsCatalog, string, string, double?, string, string)"/>.
/// </summary>
/// <remarks>
/// <para>
/// Like <see cref="Embedding.FaceEmbeddingEstimator"/>, this is a checking front for a chain of saveable
/// ML.NET pieces: <c>CopyColumns</c> (the two embeddings to the names the mapping reads) -&gt;
/// <c>CustomMapping</c> with the registered factory <see cref="FacePairScoreMapping"/> (contract
/// <see cref="FacePairScoreMapping.ContractName"/>) -&gt; <c>CopyColumns</c> (to the score column) -&gt;
/// <c>Expression</c> (<c>s =&gt; s &gt;= T</c>, the decision) -&gt; <c>DropColumns</c>.
/// </para>
/// <para>
/// How the threshold survives save and load: a <c>CustomMapping</c> saves only its contract name, so a
/// threshold held by a mapping would be lost (and one factory per threshold is impossible). The
/// decision is therefore made by ML.NET's <c>Expression</c> transform, whose saved form is the
/// expression text itself: the threshold is written into it as a literal. The literal is the exact
/// decimal form of the threshold rounded to float32 (the score's type), so the loaded model decides
/// exactly <c>Score &gt;= (float)threshold</c>, the same rule the evaluator and calibration use.
/// </para>
/// </remarks>
public sealed class FacePairScoringEstimator : IEstimator<TransformerChain<ITransformer>>
{
    private const string Operation = "ScoreFacePairs";
    private const string ExpectedEmbedding = "a vector of Single (a face embedding, e.g. from ApplyFaceEmbedding)";

    private readonly TransformsCatalog _catalog;
    private readonly int? _embeddingSize;
    private EstimatorChain<ITransformer>? _chain;

    internal FacePairScoringEstimator(
        TransformsCatalog catalog,
        string embeddingColumnNameA,
        string embeddingColumnNameB,
        double? threshold,
        string scoreColumnName,
        string predictedLabelColumnName,
        int? embeddingSize)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentException.ThrowIfNullOrWhiteSpace(embeddingColumnNameA);
        ArgumentException.ThrowIfNullOrWhiteSpace(embeddingColumnNameB);
        ArgumentException.ThrowIfNullOrWhiteSpace(scoreColumnName);
        ArgumentException.ThrowIfNullOrWhiteSpace(predictedLabelColumnName);
        if (threshold is { } t && !double.IsFinite(t))
        {
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "The threshold must be a finite number.");
        }

        if (scoreColumnName == predictedLabelColumnName)
        {
            throw new ArgumentException($"The score and predicted label columns must differ (both are '{scoreColumnName}').", nameof(predictedLabelColumnName));
        }

        string[] internalNames = [FacePairScoreMapping.EmbeddingAColumn, FacePairScoreMapping.EmbeddingBColumn, FacePairScoreMapping.ScoreColumn];
        if (internalNames.Contains(scoreColumnName, StringComparer.Ordinal) || internalNames.Contains(predictedLabelColumnName, StringComparer.Ordinal))
        {
            throw new ArgumentException($"The output columns cannot use the internal names {string.Join(", ", internalNames)}.", nameof(scoreColumnName));
        }

        _catalog = catalog;
        _embeddingSize = embeddingSize;
        EmbeddingColumnNameA = embeddingColumnNameA;
        EmbeddingColumnNameB = embeddingColumnNameB;
        ScoreColumnName = scoreColumnName;
        PredictedLabelColumnName = predictedLabelColumnName;
        Threshold = threshold is { } value ? (float)value : null;
    }

    /// <summary>The first embedding column.</summary>
    public string EmbeddingColumnNameA { get; }

    /// <summary>The second embedding column.</summary>
    public string EmbeddingColumnNameB { get; }

    /// <summary>The score column written.</summary>
    public string ScoreColumnName { get; }

    /// <summary>The decision column written when there is a threshold.</summary>
    public string PredictedLabelColumnName { get; }

    /// <summary>
    /// The threshold as applied: rounded to float32, the score's type; null when only the score is
    /// written.
    /// </summary>
    public float? Threshold { get; }

    /// <summary>The text of the <c>Expression</c> step that decides, e.g. <c>s =&gt; s &gt;= 0.31000000238418579</c>.</summary>
    public string? DecisionExpression => Threshold is { } t ? DecisionExpressionFor(t) : null;

    /// <summary>Checks the input schema and fits the chain (nothing is learned).</summary>
    /// <param name="input">The data.</param>
    /// <returns>The fitted chain of built-in ML.NET transformers.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An embedding column is missing, not a float vector, or
    /// the two (or the model card) disagree on the size.</exception>
    public TransformerChain<ITransformer> Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        CheckInput(input.Schema);
        return Chain().Fit(input);
    }

    /// <summary>The output schema: the input plus the score (and decision) columns.</summary>
    /// <param name="inputSchema">The input schema shape.</param>
    /// <returns>The output schema shape.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An embedding column is missing or not a float vector.</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        foreach (string name in new[] { EmbeddingColumnNameA, EmbeddingColumnNameB })
        {
            SchemaShape.Column column = SchemaErrors.Find(inputSchema, Operation, "embedding", name, ExpectedEmbedding);
            if (column.Kind == SchemaShape.Column.VectorKind.Scalar || column.ItemType != NumberDataViewType.Single || column.IsKey)
            {
                throw SchemaErrors.Mismatch(Operation, "embedding", name, ExpectedEmbedding, SchemaErrors.Describe(column));
            }
        }

        return Chain().GetOutputSchema(inputSchema);
    }

    /// <summary>The decision expression for a float32 threshold; the literal parses back to exactly <paramref name="threshold"/>.</summary>
    internal static string DecisionExpressionFor(float threshold) =>
        "s => s >= " + ((double)threshold).ToString("R", CultureInfo.InvariantCulture);

    private void CheckInput(DataViewSchema schema)
    {
        int? sizeA = CheckEmbedding(schema, EmbeddingColumnNameA);
        int? sizeB = CheckEmbedding(schema, EmbeddingColumnNameB);
        if (sizeA is { } a && sizeB is { } b && a != b)
        {
            throw SchemaErrors.Mismatch(
                Operation, "embedding", EmbeddingColumnNameB, $"{a} values, like embedding column '{EmbeddingColumnNameA}'",
                SchemaErrors.Describe(schema[EmbeddingColumnNameB].Type));
        }
    }

    private int? CheckEmbedding(DataViewSchema schema, string name)
    {
        DataViewSchema.Column column = SchemaErrors.Find(schema, Operation, "embedding", name, ExpectedEmbedding);
        if (column.Type is not VectorDataViewType vector || vector.ItemType != NumberDataViewType.Single)
        {
            throw SchemaErrors.Mismatch(Operation, "embedding", name, ExpectedEmbedding, SchemaErrors.Describe(column.Type));
        }

        if (!vector.IsKnownSize)
        {
            return null;
        }

        if (_embeddingSize is { } expected && vector.Size != expected)
        {
            throw SchemaErrors.Mismatch(
                Operation, "embedding", name, $"{expected} values (the model card's embedding size)", SchemaErrors.Describe(column.Type));
        }

        return vector.Size;
    }

    private EstimatorChain<ITransformer> Chain() => _chain ??= BuildChain();

    private EstimatorChain<ITransformer> BuildChain()
    {
        var chain = new EstimatorChain<ITransformer>()
            .Append<ITransformer>(_catalog.CopyColumns(FacePairScoreMapping.EmbeddingAColumn, EmbeddingColumnNameA))
            .Append<ITransformer>(_catalog.CopyColumns(FacePairScoreMapping.EmbeddingBColumn, EmbeddingColumnNameB))
            .Append<ITransformer>(_catalog.CustomMapping(new FacePairScoreMapping().GetMapping(), FacePairScoreMapping.ContractName))
            .Append<ITransformer>(_catalog.CopyColumns(ScoreColumnName, FacePairScoreMapping.ScoreColumn));
        if (Threshold is { } threshold)
        {
            chain = chain.Append<ITransformer>(_catalog.Expression(PredictedLabelColumnName, DecisionExpressionFor(threshold), ScoreColumnName));
        }

        return chain.Append<ITransformer>(_catalog.DropColumns(
            FacePairScoreMapping.EmbeddingAColumn, FacePairScoreMapping.EmbeddingBColumn, FacePairScoreMapping.ScoreColumn));
    }
}
