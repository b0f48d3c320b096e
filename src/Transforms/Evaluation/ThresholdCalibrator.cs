using System.Globalization;

namespace KappaFace.MLNet.Transforms.Evaluation;

/// <summary>
/// Chooses verification thresholds on labelled scores (docs/verification.md), with the same candidate
/// thresholds and rules as <see cref="VerificationEvaluator"/>: a pair is accepted iff score &gt;=
/// threshold; candidates are the distinct scores plus one just above the largest.
/// </summary>
public static class ThresholdCalibrator
{
    /// <summary>
    /// The smallest threshold whose false accept rate is at most <paramref name="targetFar"/> (so the best
    /// true accept rate within that budget); the threshold <see cref="VerificationMetrics.TarAtFar"/>
    /// reports for the same FAR.
    /// </summary>
    /// <param name="scores">One finite score per pair.</param>
    /// <param name="same">True for a same-identity pair.</param>
    /// <param name="targetFar">The false accept rate allowed, in (0, 1].</param>
    /// <returns>The calibration.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="targetFar"/> is outside (0, 1].</exception>
    /// <exception cref="ArgumentException">Lengths differ, a score is not finite, all labels are equal, or
    /// there are fewer than 1/<paramref name="targetFar"/> different-identity pairs (the rate cannot be measured).</exception>
    public static ThresholdCalibration ForTargetFar(ReadOnlySpan<float> scores, ReadOnlySpan<bool> same, double targetFar = 1e-3)
    {
        if (!(targetFar > 0 && targetFar <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(targetFar), targetFar, "The target false accept rate must be in (0, 1].");
        }

        VerificationEvaluator.ValidatePairs(scores, same);
        ThresholdSweep sweep = ThresholdSweep.Build(scores, same);
        int index = RocMath.TarAtFarIndex(sweep, targetFar)
            ?? throw new ArgumentException(
                $"A threshold at FAR {targetFar.ToString("R", CultureInfo.InvariantCulture)} needs at least "
                + $"{Math.Ceiling((1 / targetFar) - 1e-9).ToString(CultureInfo.InvariantCulture)} different-identity pairs; "
                + $"the data has {sweep.Negatives.ToString(CultureInfo.InvariantCulture)}.",
                nameof(same));
        return Result(sweep, index, targetFar);
    }

    /// <summary>The threshold with the most correct decisions (ties: the smallest), as <see cref="VerificationMetrics.BestThreshold"/>.</summary>
    /// <param name="scores">One finite score per pair.</param>
    /// <param name="same">True for a same-identity pair.</param>
    /// <returns>The calibration.</returns>
    /// <exception cref="ArgumentException">Lengths differ, a score is not finite, or all labels are equal.</exception>
    public static ThresholdCalibration ForBestAccuracy(ReadOnlySpan<float> scores, ReadOnlySpan<bool> same)
    {
        VerificationEvaluator.ValidatePairs(scores, same);
        ThresholdSweep sweep = ThresholdSweep.Build(scores, same);
        return Result(sweep, sweep.BestAccuracyIndex(), targetFar: null);
    }

    private static ThresholdCalibration Result(ThresholdSweep sweep, int index, double? targetFar) => new()
    {
        Threshold = sweep.Thresholds[index],
        TargetFar = targetFar,
        FalseAcceptRate = sweep.FalseAcceptRate(index),
        TrueAcceptRate = sweep.TrueAcceptRate(index),
        Accuracy = (double)sweep.CorrectAt(index) / sweep.Count,
        PairCount = (int)sweep.Count,
        SameCount = (int)sweep.Positives,
        DifferentCount = (int)sweep.Negatives,
    };
}
