namespace KappaFace.MLNet.Transforms.Evaluation;

/// <summary>ROC-derived metrics (curve, AUC, EER, TAR@FAR) from one <see cref="ThresholdSweep"/>.</summary>
internal static class RocMath
{
    // A FAR target needs at least 1/FAR negatives; the slack absorbs rounding in 1/FAR (e.g. 1/1e-3).
    private const double CountSlack = 1e-9;

    /// <summary>The ROC points, from accepting nothing to accepting everything.</summary>
    public static RocPoint[] Curve(ThresholdSweep sweep)
    {
        var points = new RocPoint[sweep.Thresholds.Length];
        for (int i = 0; i < points.Length; i++)
        {
            points[i] = new RocPoint(sweep.Thresholds[i], sweep.FalseAcceptRate(i), sweep.TrueAcceptRate(i));
        }

        return points;
    }

    /// <summary>
    /// Area under the ROC curve by the trapezoid rule. A group of equal scores is one ROC step, whose
    /// trapezoid counts each tied same/different pair as one half, as the Mann-Whitney statistic does.
    /// </summary>
    public static double Auc(ThresholdSweep sweep)
    {
        double area = 0;
        for (int i = 1; i < sweep.Thresholds.Length; i++)
        {
            double width = sweep.FalseAcceptRate(i) - sweep.FalseAcceptRate(i - 1);
            area += width * (sweep.TrueAcceptRate(i) + sweep.TrueAcceptRate(i - 1)) / 2;
        }

        return area;
    }

    /// <summary>
    /// The rate where FAR equals FRR (1 - TAR), by linear interpolation between the two ROC points that
    /// bracket the crossing (FAR - FRR goes from -1 at the first point to +1 at the last).
    /// </summary>
    public static double EqualErrorRate(ThresholdSweep sweep)
    {
        double previousGap = -1;
        for (int i = 0; i < sweep.Thresholds.Length; i++)
        {
            double far = sweep.FalseAcceptRate(i);
            double gap = far - (1 - sweep.TrueAcceptRate(i));
            if (gap >= 0)
            {
                if (i == 0 || gap == 0)
                {
                    return far;
                }

                double previousFar = sweep.FalseAcceptRate(i - 1);
                double t = -previousGap / (gap - previousGap);
                return previousFar + (t * (far - previousFar));
            }

            previousGap = gap;
        }

        throw new InvalidOperationException("The ROC curve does not end at (1, 1).");
    }

    /// <summary>
    /// The best TAR among thresholds whose FAR is at most <paramref name="far"/>, with the smallest such
    /// threshold; not measured (nulls) with fewer than 1/<paramref name="far"/> negatives. The caller
    /// guarantees 0 &lt; far &lt;= 1.
    /// </summary>
    public static TarAtFarPoint TarAtFar(ThresholdSweep sweep, double far)
    {
        int? best = TarAtFarIndex(sweep, far);
        return best is { } i
            ? new TarAtFarPoint(far, sweep.TrueAcceptRate(i), sweep.Thresholds[i])
            : new TarAtFarPoint(far, null, null);
    }

    /// <summary>
    /// The sweep index behind <see cref="TarAtFar"/>: the last (smallest-threshold, best-TAR) candidate
    /// whose false accepts fit the budget of <paramref name="far"/>; null with fewer than
    /// 1/<paramref name="far"/> negatives.
    /// </summary>
    public static int? TarAtFarIndex(ThresholdSweep sweep, double far)
    {
        double allowedFalseAccepts = (far * sweep.Negatives) + CountSlack;
        if (allowedFalseAccepts < 1)
        {
            return null;
        }

        // Accepted counts only grow with i, so the last index within the FAR budget has the best TAR.
        int best = 0;
        for (int i = 1; i < sweep.Thresholds.Length && sweep.FalsePositives[i] <= allowedFalseAccepts; i++)
        {
            best = i;
        }

        return best;
    }
}
