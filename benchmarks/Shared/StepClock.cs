using KappaFace.MLNet.Trainer.Training;

/// <summary>
/// Times the steps of one training run through its progress callback and cancels it once warm-up plus timed steps
/// are done (an epoch must hold at least one image of each class, often more steps than are timed).
/// </summary>
internal static class StepClock
{
    /// <summary>
    /// Runs <paramref name="run"/> and returns the seconds of each step after the warm-up ones.
    /// <paramref name="onStep"/>, if given, hears the number of steps done, on the training thread, after each step.
    /// </summary>
    public static IReadOnlyList<double> Time(
        int warmup, int steps, Action<IProgress<TrainingProgress>, CancellationToken> run, Action<int>? onStep = null)
    {
        int wanted = warmup + steps;
        var seconds = new List<double>();
        using var cancel = new CancellationTokenSource();
        TimeSpan last = TimeSpan.Zero;
        var progress = new SynchronousProgress(p =>
        {
            seconds.Add((p.Elapsed - last).TotalSeconds);
            last = p.Elapsed;
            onStep?.Invoke(seconds.Count);
            if (seconds.Count == wanted)
            {
                cancel.Cancel();
            }
        });
        try
        {
            run(progress, cancel.Token);
        }
        catch (OperationCanceledException) when (seconds.Count == wanted)
        {
            // The planned stop.
        }
        finally
        {
            // Tensors the trainer left to the finaliser go now, not during the next measurement.
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        if (seconds.Count < wanted)
        {
            throw new InvalidOperationException($"The trainer ran {seconds.Count} steps; {wanted} were needed (more images or classes, or fewer steps).");
        }
        return seconds.Skip(warmup).ToList();
    }

    /// <summary>Reports on the training thread (Progress&lt;T&gt; would post to the thread pool and lose the step boundary).</summary>
    private sealed class SynchronousProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
