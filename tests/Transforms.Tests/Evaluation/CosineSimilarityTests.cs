using KappaFace.MLNet.Data;
using KappaFace.MLNet.Transforms.Evaluation;
using Xunit;

namespace KappaFace.MLNet.Transforms.Tests.Evaluation;

public class CosineSimilarityTests
{
    [Fact]
    public void Known_values()
    {
        // (1,2,3).(4,5,6) = 32; |a| = sqrt(14), |b| = sqrt(77): 32 / sqrt(1078) = 0.9746318...
        Assert.Equal(0.97463185f, CosineSimilarity.Compute([1, 2, 3], [4, 5, 6]), 6);
        Assert.Equal(0f, CosineSimilarity.Compute([1, 0], [0, 5]));
        Assert.Equal(1f, CosineSimilarity.Compute([2, 2], [3, 3]), 6);
        Assert.Equal(-1f, CosineSimilarity.Compute([1, -2], [-3, 6]), 6);
        Assert.Equal(0f, CosineSimilarity.Compute([0, 0], [1, 1]));
    }

    [Fact]
    public void Vectors_of_different_lengths_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => CosineSimilarity.Compute([1, 2], [1, 2, 3]));
    }

    [Fact]
    public void ScorePairs_scores_rows_of_an_embedding_matrix()
    {
        float[] embeddings = [1, 0, 0, 1, 1, 1];

        float[] scores = CosineSimilarity.ScorePairs(embeddings, 2, [new FacePair(0, 1, false), new FacePair(0, 2, true), new FacePair(2, 2, true)]);

        Assert.Equal(0f, scores[0]);
        Assert.Equal(MathF.Sqrt(0.5f), scores[1], 6);
        Assert.Equal(1f, scores[2], 6);
        Assert.Throws<ArgumentException>(() => CosineSimilarity.ScorePairs(embeddings, 4, []));
        Assert.Throws<ArgumentException>(() => CosineSimilarity.ScorePairs(embeddings, 2, [new FacePair(0, 3, true)]));
    }
}
