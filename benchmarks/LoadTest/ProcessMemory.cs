using System.Globalization;

namespace KappaFace.MLNet.Benchmarks.LoadTest;

/// <summary>Resident memory of this process: native allocations (ONNX Runtime) included, which the GC does not see.</summary>
internal static class ProcessMemory
{
    /// <summary>VmRSS from /proc/self/status in bytes, or null where there is no such file (not Linux).</summary>
    public static long? ResidentBytes()
    {
        const string Path = "/proc/self/status";
        if (!File.Exists(Path))
        {
            return null;
        }
        foreach (string line in File.ReadLines(Path))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                // "VmRSS:     123456 kB"
                string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return long.Parse(parts[1], CultureInfo.InvariantCulture) * 1024;
            }
        }
        return null;
    }

    /// <summary>Least-squares slope of <paramref name="y"/> over <paramref name="x"/>.</summary>
    public static double Slope(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        double meanX = x.Average(), meanY = y.Average();
        double covariance = x.Zip(y, (a, b) => (a - meanX) * (b - meanY)).Sum();
        double variance = x.Sum(a => (a - meanX) * (a - meanX));
        return variance == 0 ? 0 : covariance / variance;
    }
}
