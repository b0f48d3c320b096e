namespace KappaFace.MLNet.Trainer.Training;

/// <summary>A snapshot of a running training job, reported after optimiser steps.</summary>
/// <param name="Epoch">One-based epoch.</param>
/// <param name="Epochs">Epochs in the run.</param>
/// <param name="Step">One-based step within the epoch.</param>
/// <param name="StepsPerEpoch">Steps in each epoch.</param>
/// <param name="GlobalStep">Steps done since the run began (including steps before a resume).</param>
/// <param name="TotalSteps">Steps in the whole run.</param>
/// <param name="Loss">Loss of the latest step.</param>
/// <param name="LearningRate">Rate used by the latest step.</param>
/// <param name="ImagesPerSecond">Throughput over this epoch so far.</param>
/// <param name="Elapsed">Wall time of this process's training so far.</param>
/// <param name="Remaining">Estimated time to the end of the run at the current speed.</param>
public sealed record TrainingProgress(
    int Epoch, int Epochs, int Step, int StepsPerEpoch, long GlobalStep, long TotalSteps,
    double Loss, double LearningRate, double ImagesPerSecond, TimeSpan Elapsed, TimeSpan Remaining);

/// <summary>Per-class KappaFace values computed at an epoch's end (and used by the next epoch).</summary>
/// <param name="Counts">Training images per class, in label order.</param>
/// <param name="Kappa">Estimated concentration per class.</param>
/// <param name="Psi">Margin weight per class.</param>
/// <param name="Margins">Margin m0 * psi per class.</param>
public sealed record KappaFaceEpochValues(long[] Counts, double[] Kappa, double[] Psi, double[] Margins)
{
    /// <summary>
    /// The mean margin of the rarest and of the most populous classes (each <paramref name="share"/> of the
    /// classes by image count, at least one): KappaFace gives rare classes the larger margins.
    /// </summary>
    /// <param name="share">The fraction of classes at each end, in (0, 1]. Default a fifth.</param>
    /// <returns>Mean margin of the rarest classes and of the most populous ones.</returns>
    public (double Rarest, double MostPopulous) MeanMarginsByFrequency(double share = 0.2)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(share);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(share, 1);
        int[] order = [.. Enumerable.Range(0, Counts.Length).OrderBy(i => Counts[i])];
        int tail = Math.Max(1, (int)(order.Length * share));
        return (order.Take(tail).Average(i => Margins[i]), order.TakeLast(tail).Average(i => Margins[i]));
    }
}

/// <summary>What one finished epoch measured.</summary>
/// <param name="Epoch">One-based epoch.</param>
/// <param name="Loss">Mean training loss over the epoch's steps.</param>
/// <param name="LearningRate">Rate of the epoch's last step.</param>
/// <param name="ImagesPerSecond">Training throughput of the epoch.</param>
/// <param name="Seconds">Wall time of the epoch, validation included.</param>
/// <param name="ValidationAccuracy">10-fold verification accuracy on held-out identities, or null without a validation set.</param>
/// <param name="KappaFace">The KappaFace state computed at this epoch's end; null for other losses.</param>
/// <param name="PeakResidentBytes">
/// The process's peak resident memory so far (Linux <c>VmHWM</c>) at the epoch's end, or null where the platform does
/// not report it. A high-water mark: it covers everything the process did, not only training.
/// </param>
public sealed record EpochReport(
    int Epoch, double Loss, double LearningRate, double ImagesPerSecond, double Seconds,
    double? ValidationAccuracy, KappaFaceEpochValues? KappaFace, long? PeakResidentBytes = null);
