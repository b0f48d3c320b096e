using KappaFace.MLNet.Data;

namespace KappaFace.MLNet.Transforms.Evaluation;

/// <summary>Cosine similarity of embeddings: the verification score (docs/verification.md).</summary>
public static class CosineSimilarity
{
    /// <summary>
    /// The cosine of the angle between <paramref name="a"/> and <paramref name="b"/>, in [-1, 1].
    /// Returns 0 when either vector is all zeros (no direction, so no evidence either way).
    /// </summary>
    /// <exception cref="ArgumentException">The vectors differ in length.</exception>
    public static float Compute(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length)
        {
            throw new ArgumentException($"Embeddings of lengths {a.Length} and {b.Length} cannot be compared.", nameof(b));
        }

        // Double accumulators: float sums over 512 terms lose digits that threshold ties can hinge on.
        double dot = 0;
        double normA = 0;
        double normB = 0;
        for (int i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            normA += (double)a[i] * a[i];
            normB += (double)b[i] * b[i];
        }

        if (normA == 0 || normB == 0)
        {
            return 0f;
        }

        double cosine = dot / Math.Sqrt(normA * normB);
        return (float)Math.Clamp(cosine, -1.0, 1.0);
    }

    /// <summary>
    /// Scores pairs of rows of a row-major embedding matrix (<paramref name="dimension"/> floats per row).
    /// </summary>
    /// <param name="embeddings">Row-major embeddings, one row per image.</param>
    /// <param name="dimension">The embedding size D.</param>
    /// <param name="pairs">Pairs of row indices.</param>
    /// <returns>One score per pair, in pair order.</returns>
    /// <exception cref="ArgumentException">The matrix is not a whole number of rows, or a pair index is
    /// outside it.</exception>
    public static float[] ScorePairs(ReadOnlySpan<float> embeddings, int dimension, IReadOnlyList<FacePair> pairs)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        ArgumentNullException.ThrowIfNull(pairs);
        if (embeddings.Length % dimension != 0)
        {
            throw new ArgumentException($"{embeddings.Length} floats are not a whole number of {dimension}-float embeddings.", nameof(embeddings));
        }

        int rows = embeddings.Length / dimension;
        var scores = new float[pairs.Count];
        for (int p = 0; p < pairs.Count; p++)
        {
            FacePair pair = pairs[p];
            if ((uint)pair.IndexA >= (uint)rows || (uint)pair.IndexB >= (uint)rows)
            {
                throw new ArgumentException($"Pair {p} ({pair.IndexA}, {pair.IndexB}) refers outside the {rows} embeddings.", nameof(pairs));
            }

            scores[p] = Compute(embeddings.Slice(pair.IndexA * dimension, dimension), embeddings.Slice(pair.IndexB * dimension, dimension));
        }

        return scores;
    }
}
