using System.Diagnostics;

namespace KappaFace.MLNet.Benchmarks.Experiments;

/// <summary>
/// Estimates the time left in an experiment from each run's relative cost (training images x epochs) and the
/// seconds per cost unit measured so far, including the running run's progress.
/// </summary>
public sealed class ExperimentEta
{
    private readonly double[] _costs;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private double _doneCost;
    private double _doneSeconds;
    private int _current = -1;
    private double _currentFraction;
    private double _currentSeconds;

    /// <summary>Creates an estimator for runs of the given relative costs.</summary>
    public ExperimentEta(IReadOnlyList<double> costs)
    {
        ArgumentNullException.ThrowIfNull(costs);
        _costs = [.. costs];
    }

    /// <summary>Marks run <paramref name="index"/> as started.</summary>
    public void StartRun(int index)
    {
        _current = index;
        _currentFraction = 0;
        _currentSeconds = 0;
    }

    /// <summary>Records the running run's progress: the fraction done and its seconds so far.</summary>
    public void Update(double fraction, double seconds)
    {
        _currentFraction = Math.Clamp(fraction, 0, 1);
        _currentSeconds = seconds;
    }

    /// <summary>Marks run <paramref name="index"/> as finished.</summary>
    public void FinishRun(int index)
    {
        _doneCost += _costs[index];
        _doneSeconds = _clock.Elapsed.TotalSeconds;
        _current = -1;
    }

    /// <summary>The time left, or null before anything was measured.</summary>
    public TimeSpan? Remaining()
    {
        double measuredCost = _doneCost + (_current >= 0 ? _currentFraction * _costs[_current] : 0);
        double measuredSeconds = _doneSeconds + (_current >= 0 ? _currentSeconds : 0);
        if (measuredCost <= 0 || measuredSeconds <= 0)
        {
            return null;
        }

        double remainingCost = _costs.Sum() - measuredCost;
        return TimeSpan.FromSeconds(remainingCost * measuredSeconds / measuredCost);
    }

    /// <summary>A short line: elapsed time and ETA.</summary>
    public string Describe() =>
        $"elapsed {Format(_clock.Elapsed)}, ETA {(Remaining() is { } left ? Format(left) : "unknown")}";

    /// <summary>Hours, minutes and seconds, e.g. <c>1h02m05s</c> or <c>4m10s</c>.</summary>
    public static string Format(TimeSpan span) =>
        span.TotalHours >= 1 ? $"{(int)span.TotalHours}h{span.Minutes:D2}m{span.Seconds:D2}s" : $"{span.Minutes}m{span.Seconds:D2}s";
}
