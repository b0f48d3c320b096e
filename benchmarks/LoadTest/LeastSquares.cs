namespace KappaFace.MLNet.Benchmarks.LoadTest;

/// <summary>The trend of a memory series: a flat line (slope near 0) means no leak.</summary>
internal static class LeastSquares
{
    /// <summary>Least-squares slope of <paramref name="y"/> over <paramref name="x"/>.</summary>
    public static double Slope(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        double meanX = x.Average(), meanY = y.Average();
        double covariance = x.Zip(y, (a, b) => (a - meanX) * (b - meanY)).Sum();
        double variance = x.Sum(a => (a - meanX) * (a - meanX));
        return variance == 0 ? 0 : covariance / variance;
    }
}
