namespace KappaFace.MLNet.Benchmarks.Experiments.Report;

/// <summary>The summary statistics the report uses.</summary>
public static class Statistics
{
    /// <summary>Mean and sample standard deviation (n - 1; 0 for a single value).</summary>
    /// <exception cref="ArgumentException">No values.</exception>
    public static Spread SpreadOf(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0)
        {
            throw new ArgumentException("A spread needs at least one value.", nameof(values));
        }

        double mean = values.Average();
        double std = values.Count < 2 ? 0 : Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));
        return new Spread(mean, std);
    }

    /// <summary>Mean, extremes and percentiles (linear interpolation between order statistics).</summary>
    /// <exception cref="ArgumentException">No values.</exception>
    public static Distribution DistributionOf(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0)
        {
            throw new ArgumentException("A distribution needs at least one value.", nameof(values));
        }

        double[] sorted = values.Order().ToArray();
        return new Distribution(sorted.Average(), sorted[0], Percentile(sorted, 0.10), Percentile(sorted, 0.25),
            Percentile(sorted, 0.50), Percentile(sorted, 0.75), Percentile(sorted, 0.90), sorted[^1]);
    }

    /// <summary>The <paramref name="q"/>-quantile of sorted values, interpolating linearly (NumPy's default).</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double q)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        double position = q * (sorted.Count - 1);
        int below = (int)Math.Floor(position);
        int above = Math.Min(below + 1, sorted.Count - 1);
        return sorted[below] + ((position - below) * (sorted[above] - sorted[below]));
    }
}
