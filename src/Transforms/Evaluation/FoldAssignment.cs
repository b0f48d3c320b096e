using KappaFace.MLNet.Data;

namespace KappaFace.MLNet.Transforms.Evaluation;

/// <summary>Turns fold structure (given or generated) into dense fold numbers 0..F-1.</summary>
internal static class FoldAssignment
{
    /// <summary>
    /// Seeded folds balanced by label: same pairs and different pairs are each shuffled and dealt in turn,
    /// the different pairs continuing where the same pairs stopped, so fold sizes differ by at most one
    /// and each fold holds about the same share of each label.
    /// </summary>
    public static int[] Balanced(ReadOnlySpan<bool> same, int foldCount, int seed)
    {
        if (same.Length < foldCount)
        {
            throw new ArgumentException($"{same.Length} pairs cannot fill {foldCount} folds; give at least {foldCount} pairs or fewer folds.", nameof(same));
        }

        var positives = new List<int>();
        var negatives = new List<int>();
        for (int i = 0; i < same.Length; i++)
        {
            (same[i] ? positives : negatives).Add(i);
        }

        var random = new DeterministicRandom(seed);
        int[] order = [.. Shuffled(positives, random), .. Shuffled(negatives, random)];
        var folds = new int[same.Length];
        for (int k = 0; k < order.Length; k++)
        {
            folds[order[k]] = k % foldCount;
        }

        return folds;
    }

    /// <summary>Maps caller fold ids to 0..F-1 in increasing id order; needs at least two folds.</summary>
    public static int[] FromIds(ReadOnlySpan<int> foldIds, out int foldCount)
    {
        int[] distinct = foldIds.ToArray().Distinct().Order().ToArray();
        if (distinct.Length < 2)
        {
            throw new ArgumentException("Fold ids must name at least two folds: each fold's threshold is chosen on the others.", nameof(foldIds));
        }

        var denseOf = new Dictionary<int, int>();
        for (int f = 0; f < distinct.Length; f++)
        {
            denseOf[distinct[f]] = f;
        }

        foldCount = distinct.Length;
        var folds = new int[foldIds.Length];
        for (int i = 0; i < foldIds.Length; i++)
        {
            folds[i] = denseOf[foldIds[i]];
        }

        return folds;
    }

    private static int[] Shuffled(List<int> items, DeterministicRandom random)
    {
        int[] array = [.. items];
        random.Shuffle(array.AsSpan());
        return array;
    }
}
