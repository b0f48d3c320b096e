using KappaFace.MLNet.Trainer.Heads;

namespace KappaFace.MLNet.Benchmarks.Experiments;

/// <summary>
/// The runs of an experiment, in the order they run. The first seed's runs come first (main runs, then the
/// ablations, then ArcFace at KappaFace's mean margin), so a run stopped early still has every kind of result.
/// </summary>
public static class ExperimentPlan
{
    /// <summary>The losses an experiment compares under identical settings unless told otherwise.</summary>
    public static IReadOnlyList<MarginLossKind> AllLosses { get; } = [MarginLossKind.KappaFace, MarginLossKind.ArcFace, MarginLossKind.CosFace];

    /// <summary>The training splits an experiment uses unless told otherwise.</summary>
    public static IReadOnlyList<string> AllSplits { get; } = [SplitNames.LongTail, SplitNames.Balanced];

    /// <summary>
    /// The KappaFace ablations (docs/experiments.md): concentration term only (gamma = 1), sample-count term only
    /// (gamma = 0), and T below and above its default. T = 0.4 and gamma = 0.7 are the defaults, so the main
    /// KappaFace run of the same seed is the T = 0.4 point and is not trained twice.
    /// </summary>
    public static IReadOnlyList<(string Variant, Func<MarginOptions, MarginOptions> Configure)> Ablations { get; } =
    [
        ("gamma=1", m => m with { KappaFace = m.KappaFace with { Gamma = 1 } }),
        ("gamma=0", m => m with { KappaFace = m.KappaFace with { Gamma = 0 } }),
        ("T=0.2", m => m with { KappaFace = m.KappaFace with { Temperature = 0.2 } }),
        ("T=0.8", m => m with { KappaFace = m.KappaFace with { Temperature = 0.8 } }),
    ];

    /// <summary>
    /// Every run. The fixed-margin runs are placeholders (<see cref="IsPlaceholder"/>): their margin is only known
    /// once the same seed's KappaFace run on the same split has finished; <see cref="FixedMargin"/> makes the real one.
    /// </summary>
    public static IReadOnlyList<RunSpec> Runs(ExperimentSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var runs = new List<RunSpec>();
        foreach (int seed in settings.Seeds)
        {
            foreach (string split in settings.Splits)
            {
                runs.AddRange(settings.Losses.Select(loss => new RunSpec(RunGroups.Main, split, loss, seed, "", null)));
            }

            // The ablations vary KappaFace on the long-tailed split; the fixed-margin runs copy KappaFace's mean margin.
            bool kappaFace = settings.Losses.Contains(MarginLossKind.KappaFace);
            if (seed == settings.Seeds[0] && settings.Ablations && kappaFace)
            {
                if (settings.Splits.Contains(SplitNames.LongTail))
                {
                    runs.AddRange(Ablations.Select(a => new RunSpec(RunGroups.Ablation, SplitNames.LongTail, MarginLossKind.KappaFace, seed, a.Variant, a.Configure)));
                }

                runs.AddRange(settings.Splits.Select(split => new RunSpec(RunGroups.FixedMargin, split, MarginLossKind.ArcFace, seed, PlaceholderVariant, null)));
            }
        }

        return runs;
    }

    private const string PlaceholderVariant = "m=kappaface-mean";

    /// <summary>True for a fixed-margin run whose margin is still to be taken from a KappaFace run.</summary>
    public static bool IsPlaceholder(RunSpec run) => run?.Group == RunGroups.FixedMargin && run.Configure is null;

    /// <summary>The ArcFace run whose fixed margin is <paramref name="meanMargin"/>.</summary>
    public static RunSpec FixedMargin(string split, int seed, double meanMargin) =>
        new(RunGroups.FixedMargin, split, MarginLossKind.ArcFace, seed,
            FormattableString.Invariant($"m={meanMargin:F3}"), m => m with { Margin = meanMargin });
}
