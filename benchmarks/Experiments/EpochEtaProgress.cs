using KappaFace.MLNet.Trainer.Training;

namespace KappaFace.MLNet.Benchmarks.Experiments;

/// <summary>Feeds a run's progress into the experiment's ETA and logs one line per finished epoch.</summary>
/// <remarks>Synchronous on purpose: <see cref="Progress{T}"/> would post to the thread pool and reorder lines.</remarks>
internal sealed class EpochEtaProgress(TextWriter log, ExperimentEta eta) : IProgress<TrainingProgress>
{
    public void Report(TrainingProgress value)
    {
        eta.Update((double)value.GlobalStep / value.TotalSteps, value.Elapsed.TotalSeconds);
        if (value.Step == value.StepsPerEpoch)
        {
            log.WriteLine($"    epoch {value.Epoch}/{value.Epochs}: run ETA {ExperimentEta.Format(value.Remaining)}, experiment {eta.Describe()}, load {MachineProbe.LoadAverage()}");
        }
    }
}
