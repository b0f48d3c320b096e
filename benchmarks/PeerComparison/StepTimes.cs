using System.Text.Json.Serialization;

namespace KappaFace.MLNet.Benchmarks.PeerComparison;

/// <summary>The timed (post-warm-up) step durations of one contender on one backbone, in seconds.</summary>
internal sealed record StepTimes([property: JsonPropertyName("stepSeconds")] IReadOnlyList<double> Seconds, [property: JsonPropertyName("batch")] int Batch)
{
    /// <summary>Images per second of the median step: the headline number (CPU timings here have long tails).</summary>
    public double MedianImagesPerSecond => Batch / Median(Seconds);

    /// <summary>Images per second over all timed steps together (what an epoch's average shows).</summary>
    public double MeanImagesPerSecond => Batch * Seconds.Count / Seconds.Sum();

    /// <summary>Images per second of the fastest step.</summary>
    public double BestImagesPerSecond => Batch / Seconds.Min();

    /// <summary>All steps of several rounds together.</summary>
    public static StepTimes Merge(IReadOnlyList<StepTimes> rounds) =>
        new(rounds.SelectMany(r => r.Seconds).ToList(), rounds[0].Batch);

    private static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToArray();
        int middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}
