using KappaFace.MLNet.Trainer.Training;

namespace KappaFace.MLNet.Benchmarks.PeerComparison;

/// <summary>
/// Times the steps of one training run through its progress callback and cancels it once warm-up plus timed steps
/// are done (an epoch must hold at least one image of each class, often more steps than we time).
/// </summary>
internal static class StepClock
{
    public static StepTimes Time(BenchmarkSettings settings, Action<IProgress<TrainingProgress>, CancellationToken> run)
    {
        int wanted = settings.Warmup + settings.Steps;
        var seconds = new List<double>();
        using var cancel = new CancellationTokenSource();
        TimeSpan last = TimeSpan.Zero;
        var progress = new SynchronousProgress(p =>
        {
            seconds.Add((p.Elapsed - last).TotalSeconds);
            last = p.Elapsed;
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
            // Tensors the trainer left to the finaliser go first, then the heap returns its free pages.
            GC.Collect();
            GC.WaitForPendingFinalizers();
            _ = HeapTrim.Run();
        }
        if (seconds.Count < wanted)
        {
            throw new InvalidOperationException($"The trainer ran {seconds.Count} steps; {wanted} were needed (raise --classes or lower --steps).");
        }
        return new StepTimes(seconds.Skip(settings.Warmup).ToList(), settings.Batch);
    }

    /// <summary>Reports on the training thread (Progress&lt;T&gt; would post to the thread pool and lose the step boundary).</summary>
    private sealed class SynchronousProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
