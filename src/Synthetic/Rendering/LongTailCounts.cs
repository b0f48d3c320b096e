using KappaFace.MLNet.Data;

namespace KappaFace.MLNet.Synthetic.Rendering;

/// <summary>Long-tailed image counts per identity, as in real face data sets.</summary>
internal static class LongTailCounts
{
    /// <summary>
    /// Zipf-like counts: the identity of rank r (1..n) gets round(max x r^-a), with the exponent a chosen
    /// so rank n gets exactly min. Ranks are assigned to identities in a seeded random order, so the head
    /// identities are not simply the first labels.
    /// </summary>
    public static int[] Zipf(int identities, int max, int min, DeterministicRandom random)
    {
        double exponent = Math.Log((double)max / min) / Math.Log(identities);
        var counts = new int[identities];
        for (int rank = 1; rank <= identities; rank++)
        {
            int count = (int)Math.Round(max * Math.Pow(rank, -exponent), MidpointRounding.AwayFromZero);
            counts[rank - 1] = Math.Clamp(count, min, max);
        }

        random.Shuffle(counts.AsSpan());
        return counts;
    }
}
