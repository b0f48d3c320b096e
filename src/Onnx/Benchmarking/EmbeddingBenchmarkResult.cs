namespace KappaFace.MLNet.Onnx.Benchmarking;

/// <summary>The outcome of an <see cref="EmbeddingBenchmark"/> run.</summary>
/// <param name="Model">The model measured (its path or source name).</param>
/// <param name="Batch">Images per run.</param>
/// <param name="Threads">Intra-op threads asked for (0: ONNX Runtime's choice).</param>
/// <param name="Provider">The execution provider used.</param>
/// <param name="Batches">Timed batches.</param>
/// <param name="Seconds">Total timed seconds (sum of the batch latencies).</param>
/// <param name="BatchMilliseconds">Each timed batch's latency, in run order.</param>
public sealed record EmbeddingBenchmarkResult(
    string Model, int Batch, int Threads, string Provider, int Batches, double Seconds, IReadOnlyList<double> BatchMilliseconds)
{
    /// <summary>Images embedded per second over the timed batches.</summary>
    public double ImagesPerSecond => Seconds > 0 ? (double)Batches * Batch / Seconds : 0;

    /// <summary>
    /// The <paramref name="percent"/>-th percentile of the batch latency in milliseconds (nearest rank:
    /// the smallest latency with at least that share of batches at or below it).
    /// </summary>
    /// <param name="percent">In (0, 100].</param>
    /// <returns>The latency.</returns>
    public double LatencyPercentile(double percent)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(percent);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(percent, 100);
        if (BatchMilliseconds.Count == 0)
        {
            return 0;
        }

        var sorted = BatchMilliseconds.Order().ToArray();
        int rank = (int)Math.Ceiling(percent / 100 * sorted.Length);
        return sorted[Math.Clamp(rank, 1, sorted.Length) - 1];
    }
}
