namespace KappaFace.MLNet.Benchmarks.Experiments;

/// <summary>
/// The per-identity image counts of the long-tailed split: an exponential decay from <c>head</c> images for the
/// largest identity down to <c>tail</c> images, reached at the middle rank; the second half of the identities all
/// keep <c>tail</c>. Count(r) = max(tail, round(head * exp(-r / tau))) with tau = (N / 2) / ln(head / tail).
/// </summary>
public static class LongTailCurve
{
    /// <summary>The count for each rank 0..<paramref name="identities"/>-1, largest first.</summary>
    /// <exception cref="ArgumentOutOfRangeException">No identities, a tail below 1 or a head below the tail.</exception>
    public static int[] Counts(int identities, int head, int tail)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(identities, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(tail, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(head, tail);
        var counts = new int[identities];
        if (head == tail)
        {
            Array.Fill(counts, head);
            return counts;
        }

        double tau = Math.Max(identities / 2.0, 1) / Math.Log((double)head / tail);
        for (int r = 0; r < identities; r++)
        {
            counts[r] = Math.Max(tail, (int)Math.Round(head * Math.Exp(-r / tau), MidpointRounding.AwayFromZero));
        }

        return counts;
    }
}
