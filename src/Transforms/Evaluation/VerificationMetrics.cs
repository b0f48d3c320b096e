namespace KappaFace.MLNet.Transforms.Evaluation;

/// <summary>Face verification results over scored pairs (docs/verification.md, "Metrics").</summary>
public sealed record VerificationMetrics
{
    /// <summary>The number of pairs.</summary>
    public required int PairCount { get; init; }

    /// <summary>The number of same-identity pairs.</summary>
    public required int SameCount { get; init; }

    /// <summary>The number of different-identity pairs.</summary>
    public required int DifferentCount { get; init; }

    /// <summary>Mean of the fold accuracies (k-fold, threshold chosen on the other folds).</summary>
    public required double Accuracy { get; init; }

    /// <summary>Population standard deviation of the fold accuracies.</summary>
    public required double AccuracyStd { get; init; }

    /// <summary>Accuracy on each held-out fold, in fold order.</summary>
    public required IReadOnlyList<double> FoldAccuracies { get; init; }

    /// <summary>The threshold applied to each held-out fold (chosen on the other folds).</summary>
    public required IReadOnlyList<float> FoldThresholds { get; init; }

    /// <summary>Area under the ROC curve; equal scores of a same and a different pair count one half.</summary>
    public required double Auc { get; init; }

    /// <summary>Equal error rate: where FAR equals 1 - TAR, interpolated linearly between ROC points.</summary>
    public required double Eer { get; init; }

    /// <summary>The best-accuracy threshold over all pairs (ties: the smallest).</summary>
    public required float BestThreshold { get; init; }

    /// <summary>The accuracy over all pairs at <see cref="BestThreshold"/>.</summary>
    public required double BestThresholdAccuracy { get; init; }

    /// <summary>TAR at each target FAR, in the order the evaluator was given.</summary>
    public required IReadOnlyList<TarAtFarPoint> TarAtFar { get; init; }

    /// <summary>The ROC curve, from (0, 0) (nothing accepted) to (1, 1), one point per distinct score.</summary>
    public required IReadOnlyList<RocPoint> Roc { get; init; }

    /// <summary>The TAR at target FAR <paramref name="far"/>, or null when not measured.</summary>
    public double? TarAt(double far) => TarAtFar.FirstOrDefault(point => point.Far == far)?.Tar;
}
