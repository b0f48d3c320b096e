using System.Globalization;

namespace KappaFace.MLNet.Transforms.Evaluation;

/// <summary>
/// Face verification metrics from pair scores (cosine similarities) and same/different labels
/// (docs/verification.md). A pair is judged "same" iff score &gt;= threshold.
/// </summary>
/// <remarks>
/// Accuracy follows the LFW protocol (docs/verification.md, "Metrics") with exact thresholds: for each
/// fold, the threshold with the best accuracy on the other folds (ties: the smallest) is applied to the
/// fold; the report gives the mean and population standard deviation of the fold accuracies. Candidate
/// thresholds are the distinct scores, plus one just above the largest score (accept nothing), rather
/// than a fixed grid, so the result does not depend on a grid step.
/// </remarks>
public sealed class VerificationEvaluator
{
    /// <summary>The false accept rates at which TAR is reported by default.</summary>
    public static IReadOnlyList<double> DefaultTargetFars { get; } = [1e-1, 1e-2, 1e-3, 1e-4];

    /// <summary>Number of folds built when no fold structure is given (default 10, at least 2).</summary>
    public int FoldCount
    {
        get;
        init
        {
            // Each fold's threshold is chosen on the other folds, so there must be another fold.
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 2, nameof(FoldCount));
            field = value;
        }
    } = 10;

    /// <summary>Seed of the label-balanced folds built when no fold structure is given.</summary>
    public int Seed { get; init; }

    /// <summary>The false accept rates at which TAR is reported, each in (0, 1].</summary>
    public IReadOnlyList<double> TargetFars
    {
        get;
        init
        {
            ArgumentNullException.ThrowIfNull(value);
            foreach (double far in value)
            {
                if (!(far > 0 && far <= 1))
                {
                    throw new ArgumentOutOfRangeException(nameof(TargetFars), far, "A target FAR must be in (0, 1].");
                }
            }

            field = Array.AsReadOnly(value.ToArray());
        }
    } = DefaultTargetFars;

    /// <summary>
    /// Evaluates with <see cref="FoldCount"/> seeded folds, balanced by label.
    /// </summary>
    /// <param name="scores">One finite score per pair.</param>
    /// <param name="same">True for a same-identity pair.</param>
    /// <exception cref="ArgumentException">Lengths differ, a score is NaN or infinite, all labels are
    /// equal, or there are fewer pairs than folds.</exception>
    public VerificationMetrics Evaluate(ReadOnlySpan<float> scores, ReadOnlySpan<bool> same)
    {
        ValidatePairs(scores, same);
        return Evaluate(scores, same, FoldAssignment.Balanced(same, FoldCount, Seed), FoldCount);
    }

    /// <summary>
    /// Evaluates with the caller's folds, for example the sets of an LFW-format pairs file.
    /// </summary>
    /// <param name="scores">One finite score per pair.</param>
    /// <param name="same">True for a same-identity pair.</param>
    /// <param name="foldIds">The fold of each pair; any integers, at least two distinct. Folds are
    /// reported in increasing id order.</param>
    /// <exception cref="ArgumentException">Lengths differ, a score is NaN or infinite, all labels are
    /// equal, or fewer than two folds are named.</exception>
    public VerificationMetrics Evaluate(ReadOnlySpan<float> scores, ReadOnlySpan<bool> same, ReadOnlySpan<int> foldIds)
    {
        ValidatePairs(scores, same);
        if (foldIds.Length != scores.Length)
        {
            throw new ArgumentException($"{foldIds.Length} fold ids were given for {scores.Length} pairs.", nameof(foldIds));
        }

        int[] folds = FoldAssignment.FromIds(foldIds, out int foldCount);
        return Evaluate(scores, same, folds, foldCount);
    }

    private VerificationMetrics Evaluate(ReadOnlySpan<float> scores, ReadOnlySpan<bool> same, int[] folds, int foldCount)
    {
        var foldAccuracies = new double[foldCount];
        var foldThresholds = new float[foldCount];
        for (int f = 0; f < foldCount; f++)
        {
            (foldThresholds[f], foldAccuracies[f]) = EvaluateFold(scores, same, folds, f);
        }

        double mean = foldAccuracies.Average();
        double variance = foldAccuracies.Sum(a => (a - mean) * (a - mean)) / foldCount;

        ThresholdSweep all = ThresholdSweep.Build(scores, same);
        int best = all.BestAccuracyIndex();
        return new VerificationMetrics
        {
            PairCount = scores.Length,
            SameCount = (int)all.Positives,
            DifferentCount = (int)all.Negatives,
            Accuracy = mean,
            AccuracyStd = Math.Sqrt(variance),
            FoldAccuracies = foldAccuracies,
            FoldThresholds = foldThresholds,
            Auc = RocMath.Auc(all),
            Eer = RocMath.EqualErrorRate(all),
            BestThreshold = all.Thresholds[best],
            BestThresholdAccuracy = (double)all.CorrectAt(best) / all.Count,
            TarAtFar = TargetFars.Select(far => RocMath.TarAtFar(all, far)).ToArray(),
            Roc = RocMath.Curve(all),
        };
    }

    private static (float Threshold, double Accuracy) EvaluateFold(ReadOnlySpan<float> scores, ReadOnlySpan<bool> same, int[] folds, int fold)
    {
        var training = new List<int>();
        for (int i = 0; i < folds.Length; i++)
        {
            if (folds[i] != fold)
            {
                training.Add(i);
            }
        }

        ThresholdSweep sweep = ThresholdSweep.Build(scores, same, training);
        float threshold = sweep.Thresholds[sweep.BestAccuracyIndex()];

        int correct = 0;
        int count = 0;
        for (int i = 0; i < folds.Length; i++)
        {
            if (folds[i] == fold)
            {
                count++;
                if ((scores[i] >= threshold) == same[i])
                {
                    correct++;
                }
            }
        }

        return (threshold, (double)correct / count);
    }

    internal static void ValidatePairs(ReadOnlySpan<float> scores, ReadOnlySpan<bool> same)
    {
        if (scores.Length != same.Length)
        {
            throw new ArgumentException($"{scores.Length} scores were given for {same.Length} labels.", nameof(scores));
        }

        if (scores.Length == 0)
        {
            throw new ArgumentException("No pairs to evaluate.", nameof(scores));
        }

        for (int i = 0; i < scores.Length; i++)
        {
            if (!float.IsFinite(scores[i]))
            {
                throw new ArgumentException(
                    $"Score {i} is {scores[i].ToString(CultureInfo.InvariantCulture)}; every score must be a finite number.", nameof(scores));
            }
        }

        int sameCount = 0;
        foreach (bool s in same)
        {
            sameCount += s ? 1 : 0;
        }

        if (sameCount == 0 || sameCount == same.Length)
        {
            string only = sameCount == 0 ? "different-identity" : "same-identity";
            throw new ArgumentException($"All {same.Length} pairs are {only}; verification needs both same and different pairs.", nameof(same));
        }
    }
}
