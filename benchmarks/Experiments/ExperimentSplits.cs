using KappaFace.MLNet.Data;

namespace KappaFace.MLNet.Benchmarks.Experiments;

/// <summary>
/// The three identity-disjoint image sets of an experiment: held-out identities with all their images, and the
/// remaining identities as a long-tailed and as a balanced training set. Everything is seeded by
/// <see cref="ExperimentSettings.SplitSeed"/> alone, so every run and every seed sees the same splits.
/// </summary>
public sealed class ExperimentSplits
{
    private ExperimentSplits(FaceImageSet heldOut, FaceImageSet longTail, FaceImageSet balanced, int identities, int images)
    {
        HeldOut = heldOut;
        LongTail = longTail;
        Balanced = balanced;
        Identities = identities;
        Images = images;
    }

    /// <summary>The evaluation identities, all their images.</summary>
    public FaceImageSet HeldOut { get; }

    /// <summary>The training identities, image counts following <see cref="LongTailCurve"/>.</summary>
    public FaceImageSet LongTail { get; }

    /// <summary>The same training identities, each with the long-tail's mean count (rounded), or all it has if fewer.</summary>
    public FaceImageSet Balanced { get; }

    /// <summary>Identities used (held-out plus training).</summary>
    public int Identities { get; }

    /// <summary>Images of the identities used.</summary>
    public int Images { get; }

    /// <summary>The training set of a split name (<see cref="SplitNames"/>).</summary>
    public FaceImageSet Training(string split) => split switch
    {
        SplitNames.LongTail => LongTail,
        SplitNames.Balanced => Balanced,
        _ => throw new ArgumentOutOfRangeException(nameof(split), split, "Unknown split."),
    };

    /// <summary>Builds the splits from a whole data set.</summary>
    /// <exception cref="ArgumentException">Too few identities for the held-out count plus two training identities.</exception>
    public static ExperimentSplits Build(FaceImageSet all, ExperimentSettings settings)
    {
        ArgumentNullException.ThrowIfNull(all);
        ArgumentNullException.ThrowIfNull(settings);
        int identities = settings.MaxIdentities > 0 ? Math.Min(settings.MaxIdentities, all.ClassCount) : all.ClassCount;
        if (identities < settings.HeldOutIdentities + 2)
        {
            throw new ArgumentException(
                $"The data has {identities} usable identities; {settings.HeldOutIdentities} held out need at least {settings.HeldOutIdentities + 2}.",
                nameof(all));
        }

        int[][] imagesOf = ImagesByClass(all, identities);
        // A seeded System.Random gives the same sequence on every .NET version (its seeded algorithm is frozen).
        var random = new Random(settings.SplitSeed);
        int[] order = Enumerable.Range(0, identities).ToArray();
        random.Shuffle(order.AsSpan());
        foreach (int[] images in imagesOf)
        {
            // Which images a small identity keeps must not depend on file order (e.g. CelebA's photo order).
            random.Shuffle(images.AsSpan());
        }

        int[] trainingOrder = order[settings.HeldOutIdentities..];
        int[] curve = LongTailCurve.Counts(trainingOrder.Length, settings.HeadCount, settings.TailCount);
        int balancedCount = Math.Max(settings.TailCount, (int)Math.Round(curve.Average(), MidpointRounding.AwayFromZero));

        var heldOut = order[..settings.HeldOutIdentities].SelectMany(c => imagesOf[c]);
        var longTail = trainingOrder.SelectMany((c, rank) => imagesOf[c].Take(curve[rank]));
        var balanced = trainingOrder.SelectMany(c => imagesOf[c].Take(balancedCount));
        return new ExperimentSplits(
            all.Subset(Sorted(heldOut)), all.Subset(Sorted(longTail)), all.Subset(Sorted(balanced)),
            identities, imagesOf.Sum(images => images.Length));
    }

    /// <summary>The split's description for the report: counts largest first and the imbalance ratio.</summary>
    public static Report.SplitInfo Describe(string name, FaceImageSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        int[] counts = set.ClassCounts().Select(c => (int)c).OrderDescending().ToArray();
        return new Report.SplitInfo(name, set.ClassCount, set.Count, counts, (double)counts[0] / counts[^1], counts.Average());
    }

    private static int[][] ImagesByClass(FaceImageSet all, int identities)
    {
        var lists = Enumerable.Range(0, identities).Select(_ => new List<int>()).ToArray();
        for (int i = 0; i < all.Count; i++)
        {
            if (all.Labels[i] < identities)
            {
                lists[all.Labels[i]].Add(i);
            }
        }

        return lists.Select(list => list.ToArray()).ToArray();
    }

    // Subset keeps the given order; sorted indices keep each class's images together in file order.
    private static int[] Sorted(IEnumerable<int> indices) => indices.Order().ToArray();
}

/// <summary>The names of the two training splits, as they appear in the report.</summary>
public static class SplitNames
{
    /// <summary>The long-tailed training split.</summary>
    public const string LongTail = "long-tail";

    /// <summary>The balanced training split.</summary>
    public const string Balanced = "balanced";
}
