using System.ComponentModel;
using KappaFace.MLNet.Transforms.Evaluation;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace KappaFace.MLNet.Transforms.Scoring;

/// <summary>
/// The saved-model contract of the cosine step of <c>ScoreFacePairs</c>: a <c>CustomMapping</c> whose
/// contract name is <see cref="ContractName"/>. ML.NET stores only that name in a saved model and, on
/// load, finds this factory by its <see cref="CustomMappingFactoryAttributeAttribute"/> in the loaded
/// assemblies, so the name, the column names and the mapping must never change meaning; a change gets
/// a new name (<c>...v2</c>) and this one stays to load old models.
/// </summary>
[CustomMappingFactoryAttribute(ContractName)]
[EditorBrowsable(EditorBrowsableState.Advanced)]
public sealed class FacePairScoreMapping : CustomMappingFactory<FacePairScoreInput, FacePairScoreOutput>
{
    /// <summary>The contract name written into saved models.</summary>
    public const string ContractName = "KappaFace.ScoreFacePairs.Cosine.v1";

    /// <summary>The first embedding, as the mapping reads it.</summary>
    public const string EmbeddingAColumn = "KappaFace.PairEmbeddingA";

    /// <summary>The second embedding, as the mapping reads it.</summary>
    public const string EmbeddingBColumn = "KappaFace.PairEmbeddingB";

    /// <summary>The cosine similarity, as the mapping writes it.</summary>
    public const string ScoreColumn = "KappaFace.PairScore";

    /// <inheritdoc/>
    public override Action<FacePairScoreInput, FacePairScoreOutput> GetMapping() => Map;

    /// <summary>Score = cosine similarity of the two embeddings (<see cref="CosineSimilarity.Compute"/>).</summary>
    /// <param name="input">The two embeddings.</param>
    /// <param name="output">Receives the score.</param>
    /// <exception cref="InvalidOperationException">The embeddings differ in length.</exception>
    public static void Map(FacePairScoreInput input, FacePairScoreOutput output)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        ReadOnlySpan<float> a = Dense(input.EmbeddingA);
        ReadOnlySpan<float> b = Dense(input.EmbeddingB);
        if (a.Length != b.Length)
        {
            throw new InvalidOperationException(
                $"ScoreFacePairs: the two embeddings of a row have {a.Length} and {b.Length} values; both columns must hold embeddings of the same model.");
        }

        output.Score = CosineSimilarity.Compute(a, b);
    }

    private static ReadOnlySpan<float> Dense(VBuffer<float> vector) =>
        vector.IsDense ? vector.GetValues() : vector.DenseValues().ToArray();
}

/// <summary>The input row of <see cref="FacePairScoreMapping"/> (part of its saved-model contract).</summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public sealed class FacePairScoreInput
{
    /// <summary>The first embedding.</summary>
    [ColumnName(FacePairScoreMapping.EmbeddingAColumn)]
    public VBuffer<float> EmbeddingA { get; set; }

    /// <summary>The second embedding.</summary>
    [ColumnName(FacePairScoreMapping.EmbeddingBColumn)]
    public VBuffer<float> EmbeddingB { get; set; }
}

/// <summary>The output row of <see cref="FacePairScoreMapping"/> (part of its saved-model contract).</summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public sealed class FacePairScoreOutput
{
    /// <summary>The cosine similarity.</summary>
    [ColumnName(FacePairScoreMapping.ScoreColumn)]
    public float Score { get; set; }
}
