using KappaFace.MLNet.Benchmarks.Experiments;
using KappaFace.MLNet.Benchmarks.Experiments.Report;
using KappaFace.MLNet.Data;
using KappaFace.MLNet.Synthetic;
using KappaFace.MLNet.Transforms.Evaluation;
using Xunit;

namespace KappaFace.MLNet.Experiments.Tests;

/// <summary>The experiment's building blocks, checked against naive re-computations.</summary>
public class ExperimentPartsTests
{
    [Theory]
    [InlineData(125, 12, 2)]
    [InlineData(8, 12, 2)]
    [InlineData(40, 10, 3)]
    public void The_long_tail_decays_exponentially_from_head_to_tail_at_the_middle_rank(int identities, int head, int tail)
    {
        int[] counts = LongTailCurve.Counts(identities, head, tail);

        Assert.Equal(identities, counts.Length);
        double tau = (identities / 2.0) / Math.Log((double)head / tail);
        for (int r = 0; r < identities; r++)
        {
            double naive = head * Math.Exp(-r / tau);
            Assert.True(Math.Abs(counts[r] - Math.Max(tail, naive)) <= 0.5 + 1e-9, $"rank {r}: {counts[r]} vs {naive}");
        }

        Assert.Equal(head, counts[0]);
        Assert.All(counts.Skip(identities / 2), c => Assert.Equal(tail, c));
    }

    [Fact]
    public void Splits_are_identity_disjoint_and_share_their_training_identities()
    {
        var faces = SyntheticFaces.Generate(new SyntheticFaceOptions { Identities = 30, ImageSize = 16, MinImagesPerIdentity = 12, MaxImagesPerIdentity = 12, Seed = 3 });
        var settings = ExperimentSettings.Quick with { MaxIdentities = 0, HeldOutIdentities = 10 };

        var splits = ExperimentSplits.Build(faces, settings);

        Assert.Equal(10, splits.HeldOut.ClassCount);
        Assert.Empty(splits.HeldOut.ClassNames.Intersect(splits.LongTail.ClassNames));
        Assert.Equal(splits.LongTail.ClassNames.Order(), splits.Balanced.ClassNames.Order());
        Assert.Equal(30 - 10, splits.LongTail.ClassCount);
        Assert.Equal(12, splits.HeldOut.Count / splits.HeldOut.ClassCount);
        Assert.Equal(LongTailCurve.Counts(20, settings.HeadCount, settings.TailCount).Order(), splits.LongTail.ClassCounts().Select(c => (int)c).Order());
        // The same seed gives the same splits.
        var again = ExperimentSplits.Build(faces, settings);
        Assert.Equal(splits.LongTail.Sources, again.LongTail.Sources);
        Assert.Equal(splits.HeldOut.Sources, again.HeldOut.Sources);
    }

    [Fact]
    public void Too_few_identities_for_the_held_out_count_are_refused_with_the_numbers()
    {
        var faces = SyntheticFaces.Generate(new SyntheticFaceOptions { Identities = 5, ImageSize = 16, Seed = 3 });
        var e = Assert.Throws<ArgumentException>(() => ExperimentSplits.Build(faces, ExperimentSettings.Quick with { MaxIdentities = 0, HeldOutIdentities = 4 }));
        Assert.Contains("5 usable identities", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Percentiles_and_spreads_match_a_naive_computation()
    {
        double[] values = [5, 1, 4, 2, 3, 10];
        double[] sorted = [.. values.Order()];
        var d = Statistics.DistributionOf(values);
        // NumPy's linear rule: position q * (n - 1) between order statistics.
        Assert.Equal(sorted[1] + (0.25 * (sorted[2] - sorted[1])), d.P25, 12);
        Assert.Equal((sorted[2] + sorted[3]) / 2, d.Median, 12);
        Assert.Equal(1, d.Min);
        Assert.Equal(10, d.Max);
        Assert.Equal(25.0 / 6, d.Mean, 12);

        var spread = Statistics.SpreadOf([1.0, 2.0, 4.0]);
        Assert.Equal(7.0 / 3, spread.Mean, 12);
        double variance = (Math.Pow(1 - (7.0 / 3), 2) + Math.Pow(2 - (7.0 / 3), 2) + Math.Pow(4 - (7.0 / 3), 2)) / 2;
        Assert.Equal(Math.Sqrt(variance), spread.Std, 12);
        Assert.Equal(0, Statistics.SpreadOf([3.0]).Std);
    }

    [Fact]
    public void A_thinned_roc_keeps_both_ends_and_only_real_points()
    {
        var roc = Enumerable.Range(0, 5001).Select(i => new RocPoint(1 - (i / 5000f), i / 5000.0, Math.Sqrt(i / 5000.0))).ToArray();

        var thin = MetricsConversion.ThinRoc(roc);

        Assert.InRange(thin.Count, 10, 300);
        Assert.Equal((0.0, 0.0), (thin[0].Far, thin[0].Tar));
        Assert.Equal((1.0, 1.0), (thin[^1].Far, thin[^1].Tar));
        Assert.All(thin, p => Assert.Contains(roc, r => r.FalseAcceptRate == p.Far && r.TrueAcceptRate == p.Tar));
        // Dense at low FAR: a point at or below 1e-3.
        Assert.Contains(thin, p => p.Far is > 0 and <= 1e-3);
    }

    [Fact]
    public void The_plan_has_every_loss_split_and_seed_and_the_first_seed_extras()
    {
        var settings = ExperimentSettings.Full with { Seeds = [4, 5] };
        var runs = ExperimentPlan.Runs(settings);

        Assert.Equal((2 * 3 * 2) + 4 + 2, runs.Count);
        Assert.Equal(runs.Count, runs.Select(r => r.Name).Distinct().Count());
        Assert.All(runs.Where(r => r.Group != RunGroups.Main), r => Assert.Equal(4, r.Seed));
        // Each fixed-margin placeholder comes after the KappaFace run it takes its margin from.
        foreach (var (run, index) in runs.Select((r, i) => (r, i)).Where(p => ExperimentPlan.IsPlaceholder(p.r)))
        {
            Assert.Contains(runs.Take(index), r => r.Group == RunGroups.Main && r.LossName == "kappaface" && r.Split == run.Split && r.Seed == run.Seed);
        }

        Assert.DoesNotContain(ExperimentPlan.Runs(settings with { Ablations = false }), r => r.Group != RunGroups.Main);
    }
}
