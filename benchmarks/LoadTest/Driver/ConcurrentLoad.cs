using System.Collections.Concurrent;
using System.Diagnostics;

namespace KappaFace.MLNet.LoadTesting;

/// <summary>Scores pair <c>pair</c> of the workload; one instance per worker thread.</summary>
/// <param name="pair">Index into <see cref="LoadWorkload.Pairs"/>.</param>
/// <returns>The verification score.</returns>
internal delegate float PairScorer(int pair);

/// <summary>
/// Runs N threads x M pair scorings at once and records, per call, the latency, any exception and
/// whether the score equals the single-threaded one bit for bit. Shared by the LoadTest benchmark and
/// the suite's short load tests, so both measure the same thing.
/// </summary>
internal static class ConcurrentLoad
{
    private const int KeptErrorMessages = 5;

    /// <summary>
    /// Thread <c>t</c> scores pairs <c>(t * callsPerThread + i) % expected.Count</c> for i in [0, callsPerThread),
    /// so threads start on different pairs. All threads are released together by a barrier.
    /// </summary>
    /// <param name="threads">Worker threads.</param>
    /// <param name="callsPerThread">Pair scorings per thread.</param>
    /// <param name="scorerForThread">Makes thread t's scorer (on that thread, so per-thread engines are built there).</param>
    /// <param name="expected">The single-threaded score of every pair.</param>
    public static LoadRunResult Run(int threads, int callsPerThread, Func<int, PairScorer> scorerForThread, IReadOnlyList<float> expected)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(callsPerThread, 1);
        ArgumentNullException.ThrowIfNull(scorerForThread);
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentOutOfRangeException.ThrowIfZero(expected.Count);

        var latencyTicks = new long[threads][];
        var errors = new ConcurrentQueue<string>();
        int errorCount = 0, mismatches = 0;
        using var start = new Barrier(threads + 1);
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            var ticks = latencyTicks[t] = new long[callsPerThread];
            PairScorer? scorer = null;
            try
            {
                scorer = scorerForThread(t);
            }
            catch (Exception e)
            {
                Record(errors, ref errorCount, $"thread {t} setup: {e.GetType().Name}: {e.Message}", callsPerThread);
            }
            start.SignalAndWait();
            if (scorer is null)
            {
                return;
            }
            for (int i = 0; i < callsPerThread; i++)
            {
                int pair = (int)(((long)t * callsPerThread + i) % expected.Count);
                long begin = Stopwatch.GetTimestamp();
                try
                {
                    float score = scorer(pair);
                    ticks[i] = Stopwatch.GetTimestamp() - begin;
                    // Bitwise: concurrency must not change a single rounding.
                    if (BitConverter.SingleToInt32Bits(score) != BitConverter.SingleToInt32Bits(expected[pair]))
                    {
                        Interlocked.Increment(ref mismatches);
                    }
                }
                catch (Exception e)
                {
                    ticks[i] = Stopwatch.GetTimestamp() - begin;
                    Record(errors, ref errorCount, $"thread {t} pair {pair}: {e.GetType().Name}: {e.Message}", 1);
                }
            }
        })
        { IsBackground = true, Name = $"load-{t}" }).ToArray();

        foreach (var worker in workers)
        {
            worker.Start();
        }
        start.SignalAndWait();
        var clock = Stopwatch.StartNew();
        foreach (var worker in workers)
        {
            worker.Join();
        }
        clock.Stop();

        double[] latencies = [.. latencyTicks.SelectMany(t => t).Select(t => t * 1000.0 / Stopwatch.Frequency).Order()];
        return new LoadRunResult(threads, threads * callsPerThread, errorCount, mismatches, [.. errors], clock.Elapsed, latencies);
    }

    private static void Record(ConcurrentQueue<string> errors, ref int count, string message, int calls)
    {
        Interlocked.Add(ref count, calls);
        if (errors.Count < KeptErrorMessages)
        {
            errors.Enqueue(message);
        }
    }
}

/// <summary>The outcome of one <see cref="ConcurrentLoad.Run"/>.</summary>
/// <param name="Threads">Worker threads.</param>
/// <param name="Calls">Pair scorings attempted.</param>
/// <param name="Errors">Calls that threw (a failed scorer setup counts all of its thread's calls).</param>
/// <param name="Mismatches">Calls whose score differed from the single-threaded one.</param>
/// <param name="FirstErrors">The first few error messages.</param>
/// <param name="Elapsed">Wall time from the common start to the last thread's end.</param>
/// <param name="SortedLatenciesMs">Per-call latency in milliseconds, ascending.</param>
internal sealed record LoadRunResult(
    int Threads, int Calls, int Errors, int Mismatches, IReadOnlyList<string> FirstErrors, TimeSpan Elapsed, IReadOnlyList<double> SortedLatenciesMs)
{
    /// <summary>Pair scorings per second of wall time.</summary>
    public double PairsPerSecond => Calls / Math.Max(Elapsed.TotalSeconds, 1e-9);

    /// <summary>The nearest-rank percentile <paramref name="percent"/> (0-100] of the latencies, in ms.</summary>
    public double Percentile(double percent)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(percent);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(percent, 100);
        if (SortedLatenciesMs.Count == 0)
        {
            return double.NaN;
        }
        int rank = (int)Math.Ceiling(percent / 100 * SortedLatenciesMs.Count);
        return SortedLatenciesMs[Math.Clamp(rank, 1, SortedLatenciesMs.Count) - 1];
    }
}
