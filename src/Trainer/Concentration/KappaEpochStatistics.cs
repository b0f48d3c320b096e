namespace KappaFace.MLNet.Trainer.Concentration;

/// <summary>
/// What KappaFace computed at the end of an epoch, per class in label order; the margins are those used during
/// the next epoch. Also carries the summary the reference logs (concentration min/max/mean), which reveals the
/// singleton outliers described in docs/kappaface.md, Edge cases.
/// </summary>
public sealed class KappaEpochStatistics
{
    /// <summary>Dataset count <c>n_c</c> of each class.</summary>
    public required IReadOnlyList<long> Counts { get; init; }

    /// <summary>Number of unit vectors added to each class's sum during the epoch.</summary>
    public required IReadOnlyList<long> ObservedCounts { get; init; }

    /// <summary>Mean resultant length <c>Rbar_c</c>, before any clamp.</summary>
    public required IReadOnlyList<double> ResultantLengths { get; init; }

    /// <summary>Concentration <c>kappa_c</c> after the +inf and NaN replacement.</summary>
    public required IReadOnlyList<double> Kappa { get; init; }

    /// <summary>Concentration weight <c>w_kappa</c>.</summary>
    public required IReadOnlyList<double> ConcentrationWeights { get; init; }

    /// <summary>Sample-count weight <c>w_s</c>.</summary>
    public required IReadOnlyList<double> SampleWeights { get; init; }

    /// <summary>Margin factor <c>psi</c>.</summary>
    public required IReadOnlyList<double> Psi { get; init; }

    /// <summary>Per-class margin <c>m0 * psi</c> for the next epoch.</summary>
    public required IReadOnlyList<double> Margins { get; init; }

    /// <summary>Smallest concentration.</summary>
    public required double KappaMin { get; init; }

    /// <summary>Largest concentration; a value orders of magnitude above the rest signals a degenerate class.</summary>
    public required double KappaMax { get; init; }

    /// <summary>Mean concentration.</summary>
    public required double KappaMean { get; init; }

    /// <summary>Standard deviation of the concentrations used in the standardisation.</summary>
    public required double KappaStd { get; init; }

    /// <summary>Classes with a single image in the dataset (their <c>Rbar</c> is 1 up to rounding).</summary>
    public required int SingletonClasses { get; init; }

    /// <summary>Classes that received no vector this epoch (their concentration is 0: they look maximally hard).</summary>
    public required int UnseenClasses { get; init; }

    /// <summary>Classes whose raw concentration was +inf (<c>Rbar</c> at 1 or at the clamp bound) and was replaced by the largest finite one.</summary>
    public required int SaturatedClasses { get; init; }
}
