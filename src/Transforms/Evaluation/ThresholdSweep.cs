namespace KappaFace.MLNet.Transforms.Evaluation;

/// <summary>
/// The outcome of every candidate threshold over a set of scored pairs: the one place that turns
/// scores into counts, shared by threshold choice, ROC, AUC, EER and TAR@FAR.
/// </summary>
/// <remarks>
/// A pair is accepted as "same" iff score &gt;= threshold. Candidates are the distinct scores (exact,
/// no grid) plus one value just above the largest score, which accepts nothing. Index 0 is that
/// accept-nothing candidate; thresholds then decrease, so accepted counts only grow.
/// </remarks>
internal sealed class ThresholdSweep
{
    private ThresholdSweep(float[] thresholds, long[] truePositives, long[] falsePositives, long positives, long negatives)
    {
        Thresholds = thresholds;
        TruePositives = truePositives;
        FalsePositives = falsePositives;
        Positives = positives;
        Negatives = negatives;
    }

    /// <summary>Candidate thresholds, decreasing; index 0 accepts nothing.</summary>
    public float[] Thresholds { get; }

    /// <summary>Same-identity pairs accepted at each candidate.</summary>
    public long[] TruePositives { get; }

    /// <summary>Different-identity pairs accepted at each candidate.</summary>
    public long[] FalsePositives { get; }

    /// <summary>The number of same-identity pairs.</summary>
    public long Positives { get; }

    /// <summary>The number of different-identity pairs.</summary>
    public long Negatives { get; }

    /// <summary>The number of pairs.</summary>
    public long Count => Positives + Negatives;

    /// <summary>Sweeps the pairs at <paramref name="indices"/> (all pairs when null).</summary>
    public static ThresholdSweep Build(ReadOnlySpan<float> scores, ReadOnlySpan<bool> same, IReadOnlyList<int>? indices = null)
    {
        int n = indices?.Count ?? scores.Length;
        var sortedScores = new float[n];
        var sortedSame = new bool[n];
        for (int i = 0; i < n; i++)
        {
            int index = indices?[i] ?? i;
            sortedScores[i] = scores[index];
            sortedSame[i] = same[index];
        }

        Array.Sort(sortedScores, sortedSame);

        var thresholds = new List<float>();
        var truePositives = new List<long>();
        var falsePositives = new List<long>();
        float aboveMax = n == 0 ? 0f : MathF.BitIncrement(sortedScores[n - 1]);
        thresholds.Add(aboveMax);
        truePositives.Add(0);
        falsePositives.Add(0);

        long tp = 0;
        long fp = 0;
        // Walk down from the largest score; a group of equal scores is accepted together.
        for (int i = n - 1; i >= 0;)
        {
            float value = sortedScores[i];
            while (i >= 0 && sortedScores[i] == value)
            {
                if (sortedSame[i])
                {
                    tp++;
                }
                else
                {
                    fp++;
                }

                i--;
            }

            thresholds.Add(value);
            truePositives.Add(tp);
            falsePositives.Add(fp);
        }

        return new ThresholdSweep([.. thresholds], [.. truePositives], [.. falsePositives], tp, fp);
    }

    /// <summary>Correct decisions at candidate <paramref name="i"/>: accepted positives plus rejected negatives.</summary>
    public long CorrectAt(int i) => TruePositives[i] + (Negatives - FalsePositives[i]);

    /// <summary>The candidate with the most correct decisions; ties go to the smallest threshold.</summary>
    public int BestAccuracyIndex()
    {
        int best = 0;
        for (int i = 1; i < Thresholds.Length; i++)
        {
            // Thresholds decrease with i, so ">=" lets a later (smaller) tie win.
            if (CorrectAt(i) >= CorrectAt(best))
            {
                best = i;
            }
        }

        return best;
    }

    /// <summary>False accept rate at candidate <paramref name="i"/>.</summary>
    public double FalseAcceptRate(int i) => (double)FalsePositives[i] / Negatives;

    /// <summary>True accept rate at candidate <paramref name="i"/>.</summary>
    public double TrueAcceptRate(int i) => (double)TruePositives[i] / Positives;
}
