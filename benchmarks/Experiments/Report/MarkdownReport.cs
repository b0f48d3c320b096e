using System.Globalization;
using System.Text;

namespace KappaFace.MLNet.Benchmarks.Experiments.Report;

/// <summary>Renders a report as markdown: summary tables, the winners per split and metric, ablations, every run.</summary>
public static class MarkdownReport
{
    private const string KappaFace = "kappaface";
    private const string ArcFace = "arcface";

    /// <summary>The markdown text of <paramref name="report"/>.</summary>
    public static string Render(ExperimentReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var md = new StringBuilder();
        var s = report.Settings;
        var d = report.Data;
        md.AppendLine(Inv($"# Margin losses on long-tailed and balanced faces ({s.Mode} run{(report.Complete ? "" : ", INCOMPLETE")})"));
        md.AppendLine();
        md.AppendLine(Inv($"- Network: {s.Backbone}, {s.ImageSize} px, embedding {s.EmbeddingSize}; {s.Epochs} epochs, batch {s.BatchSize}, SGD lr {s.LearningRate} ({s.Schedule}, warm-up {s.WarmupEpochs} epoch), s = {(s.Scale is { } scale ? scale.ToString(CultureInfo.InvariantCulture) : "from the class count")}, flips {(s.HorizontalFlip ? "on" : "off")}; seeds {string.Join(", ", s.Seeds)}."));
        md.AppendLine(Inv($"- Data: {d.Source}: {d.Identities} identities, {d.Images} images. Held out: {d.HeldOutIdentities} identities, {d.HeldOutImages} images, {d.Pairs} balanced pairs (seed {s.PairSeed}); splits seeded by {s.SplitSeed}."));
        md.AppendLine(Inv($"- Long-tail training split: {d.LongTail.Identities} identities, {d.LongTail.Images} images, {d.LongTail.Counts[0]} down to {d.LongTail.Counts[^1]} per identity (imbalance {d.LongTail.ImbalanceRatio:F1}, mean {d.LongTail.MeanCount:F2}); counts: {Counts(d.LongTail.Counts)}."));
        md.AppendLine(Inv($"- Balanced training split: the same identities, {d.Balanced.Images} images, {d.Balanced.Counts[^1]} to {d.Balanced.Counts[0]} per identity (imbalance {d.Balanced.ImbalanceRatio:F1})."));
        var m = report.Machine;
        md.AppendLine(Inv($"- Machine: {m.Cores} cores, {m.Cpu}, {m.Os}, {m.Runtime}. Started {m.Started}, {m.Seconds / 60:F1} min; load average at start {m.LoadAtStart}, at end {m.LoadAtEnd ?? "n/a"}."));
        md.AppendLine(Inv($"- Command: `{m.Command}`"));
        md.AppendLine();

        md.AppendLine(Inv($"## Held-out verification (mean ± sample std over seeds)"));
        md.AppendLine();
        md.AppendLine("| split | loss | seeds | 10-fold accuracy | AUC | TAR@FAR=1e-2 | TAR@FAR=1e-3 | mean margin |");
        md.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|");
        foreach (var row in report.Summary)
        {
            md.AppendLine(Inv($"| {row.Split} | {row.Loss} | {row.Seeds} | {Pm(row.Accuracy)} | {Pm(row.Auc)} | {Pm(row.TarAt1e2)} | {Pm(row.TarAt1e3)} | {Pm(row.MeanMargin)} |"));
        }

        var u = report.Untrained;
        string baseline = s.FineTuned ? "pretrained model, not fine-tuned" : "untrained network";
        md.AppendLine(Inv($"| – | {baseline} | – | {u.Accuracy:F4} | {u.Auc:F4} | {Tar(u, "0.01")} | {Tar(u, "0.001")} | – |"));
        md.AppendLine();
        AppendWinners(md, report);
        AppendAblations(md, report);
        AppendFixedMargin(md, report);
        AppendRuns(md, report);
        return md.ToString();
    }

    private static void AppendWinners(StringBuilder md, ExperimentReport report)
    {
        md.AppendLine("## Which loss wins where");
        md.AppendLine();
        md.AppendLine("A win counts as clear only when the best mean beats the runner-up by more than the larger of their two seed spreads.");
        md.AppendLine();
        var metrics = new (string Name, Func<SummaryRow, Spread?> Pick)[]
        {
            ("accuracy", r => r.Accuracy), ("AUC", r => r.Auc), ("TAR@FAR=1e-2", r => r.TarAt1e2), ("TAR@FAR=1e-3", r => r.TarAt1e3),
        };
        foreach (var split in report.Summary.Select(r => r.Split).Distinct())
        {
            foreach (var (name, pick) in metrics)
            {
                var ranked = report.Summary.Where(r => r.Split == split && pick(r) is not null)
                    .OrderByDescending(r => pick(r)!.Mean).ToList();
                if (ranked.Count < 2)
                {
                    continue;
                }

                Spread best = pick(ranked[0])!, second = pick(ranked[1])!;
                double gap = best.Mean - second.Mean;
                string verdict = ranked[0].Seeds < 2 ? "one seed: no spread to judge by"
                    : gap > Math.Max(best.Std, second.Std) ? "clear" : "within the seed spread";
                md.AppendLine(Inv($"- {split}, {name}: **{ranked[0].Loss}** {best.Mean:F4}, then {ranked[1].Loss} {second.Mean:F4} (gap {gap:F4}; {verdict})."));
            }
        }

        md.AppendLine();
        AppendPaired(md, "KappaFace minus ArcFace, paired by seed (same initial weights, order and pairs):", PairedDifferences(report, KappaFace, ArcFace));
        AppendPaired(md, "KappaFace minus CosFace, paired by seed:", PairedDifferences(report, KappaFace, "cosface"));
        if (report.Settings.FineTuned)
        {
            foreach (string loss in report.Summary.Select(r => r.Loss).Distinct())
            {
                AppendPaired(md, Inv($"Fine-tuned with {loss} minus the pretrained model (the same pairs):"), DifferencesFromBaseline(report, loss));
            }
        }
    }

    private static readonly string[] DifferenceMetrics = ["accuracy", "TAR@1e-2", "TAR@1e-3"];

    private static void AppendPaired(StringBuilder md, string title, List<(string Split, IReadOnlyList<double[]> Diffs)> paired)
    {
        // A run of fewer losses (--losses) has splits without a pair to subtract.
        paired = paired.Where(p => p.Diffs.Count > 0).ToList();
        if (paired.Count == 0)
        {
            return;
        }

        md.AppendLine(title);
        md.AppendLine();
        foreach (var (split, diffs) in paired)
        {
            var parts = new List<string>();
            for (int k = 0; k < DifferenceMetrics.Length; k++)
            {
                double[] values = [.. diffs.Select(d => d[k]).Where(double.IsFinite)];
                if (values.Length == 0)
                {
                    continue;
                }

                var spread = Statistics.SpreadOf(values);
                parts.Add(Inv($"{DifferenceMetrics[k]} {spread.Mean:+0.0000;-0.0000} ± {spread.Std:F4} ({string.Join(", ", values.Select(x => x.ToString("+0.0000;-0.0000", CultureInfo.InvariantCulture)))})"));
            }

            md.AppendLine(Inv($"- {split}, {diffs.Count} seed(s): {string.Join("; ", parts)}."));
        }

        md.AppendLine();
    }

    // Per split, one row per seed: accuracy, TAR@1e-2 and TAR@1e-3 of a minus b (NaN where a TAR is missing).
    private static List<(string Split, IReadOnlyList<double[]> Diffs)> PairedDifferences(ExperimentReport report, string a, string b)
    {
        var main = report.Runs.Where(r => r.Group == "main").ToList();
        return main.Select(r => r.Split).Distinct()
            .Select(split => (split, (IReadOnlyList<double[]>)main
                .Where(r => r.Split == split && r.Loss == a)
                .Select(ra => (ra, rb: main.FirstOrDefault(r => r.Split == split && r.Loss == b && r.Seed == ra.Seed)))
                .Where(p => p.rb is not null)
                .Select(p => Difference(p.ra.Metrics, p.rb!.Metrics)).ToArray()))
            .Where(p => p.Item2.Count > 0)
            .ToList();
    }

    private static List<(string Split, IReadOnlyList<double[]> Diffs)> DifferencesFromBaseline(ExperimentReport report, string loss)
    {
        var main = report.Runs.Where(r => r.Group == "main" && r.Loss == loss).ToList();
        return main.Select(r => r.Split).Distinct()
            .Select(split => (split, (IReadOnlyList<double[]>)main.Where(r => r.Split == split).Select(r => Difference(r.Metrics, report.Untrained)).ToArray()))
            .ToList();
    }

    private static double[] Difference(FinalMetrics a, FinalMetrics b) =>
        [a.Accuracy - b.Accuracy, TarValue(a, "0.01") - TarValue(b, "0.01"), TarValue(a, "0.001") - TarValue(b, "0.001")];

    private static double TarValue(FinalMetrics metrics, string key) => metrics.TarAtFar.TryGetValue(key, out double tar) ? tar : double.NaN;

    private static void AppendAblations(StringBuilder md, ExperimentReport report)
    {
        var ablations = report.Runs.Where(r => r.Group == "ablation").ToList();
        if (ablations.Count == 0)
        {
            return;
        }

        int seed = ablations[0].Seed;
        var rows = report.Runs.Where(r => r.Group == "main" && r.Loss == KappaFace && r.Split == ablations[0].Split && r.Seed == seed)
            .Concat(ablations).ToList();
        md.AppendLine(Inv($"## KappaFace ablations ({ablations[0].Split}, seed {seed})"));
        md.AppendLine();
        md.AppendLine("| run | T | gamma | accuracy | AUC | TAR@FAR=1e-2 | margins at the end: mean (min..max) |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var r in rows)
        {
            string label = r.Variant.Length == 0 ? "default" : r.Variant;
            string margins = r.KappaFace is { } k ? Inv($"{k.Margins.Average():F3} ({k.Margins.Min():F3}..{k.Margins.Max():F3})") : "–";
            md.AppendLine(Inv($"| {label} | {Hyper(r, "T")} | {Hyper(r, "gamma")} | {r.Metrics.Accuracy:F4} | {r.Metrics.Auc:F4} | {Tar(r.Metrics, "0.01")} | {margins} |"));
        }

        md.AppendLine();
    }

    private static void AppendFixedMargin(StringBuilder md, ExperimentReport report)
    {
        var fixedRuns = report.Runs.Where(r => r.Group == "fixed-margin").ToList();
        if (fixedRuns.Count == 0)
        {
            return;
        }

        md.AppendLine("## ArcFace at KappaFace's mean learned margin (same seed)");
        md.AppendLine();
        md.AppendLine("| split | run | margin | accuracy | AUC | TAR@FAR=1e-2 |");
        md.AppendLine("|---|---|---:|---:|---:|---:|");
        foreach (var f in fixedRuns)
        {
            var peers = report.Runs.Where(r => r.Group == "main" && r.Split == f.Split && r.Seed == f.Seed && r.Loss is KappaFace or ArcFace);
            foreach (var r in peers.Append(f))
            {
                string margin = r.KappaFace is { } k ? Inv($"adaptive, mean {k.Margins.Average():F3}") : Hyper(r, "m");
                string label = r.Group == "fixed-margin" ? "arcface, fixed at KappaFace's mean" : r.Loss;
                md.AppendLine(Inv($"| {r.Split} | {label} | {margin} | {r.Metrics.Accuracy:F4} | {r.Metrics.Auc:F4} | {Tar(r.Metrics, "0.01")} |"));
            }
        }

        md.AppendLine();
    }

    private static void AppendRuns(StringBuilder md, ExperimentReport report)
    {
        md.AppendLine("## Every run");
        md.AppendLine();
        md.AppendLine("| run | seconds | load at end | final training loss | accuracy | AUC | EER | TAR@1e-2 | TAR@1e-3 |");
        md.AppendLine("|---|---:|---|---:|---:|---:|---:|---:|---:|");
        foreach (var r in report.Runs)
        {
            md.AppendLine(Inv($"| {r.Name} | {r.Seconds:F0} | {r.Load} | {r.Epochs[^1].Loss:F3} | {r.Metrics.Accuracy:F4} | {r.Metrics.Auc:F4} | {r.Metrics.Eer:F4} | {Tar(r.Metrics, "0.01")} | {Tar(r.Metrics, "0.001")} |"));
        }

        md.AppendLine();
    }

    private static string Counts(IReadOnlyList<int> counts) =>
        string.Join(", ", counts.GroupBy(c => c).Select(g => Inv($"{g.Count()}×{g.Key}")));

    private static string Pm(Spread? spread) => spread is null ? "n/a" : Inv($"{spread.Mean:F4} ± {spread.Std:F4}");

    private static string Tar(FinalMetrics metrics, string key) =>
        metrics.TarAtFar.TryGetValue(key, out double tar) ? Inv($"{tar:F4}") : "n/a";

    private static string Hyper(RunReport run, string key) =>
        run.Hyper.TryGetValue(key, out double value) ? Inv($"{value:0.###}") : "–";

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
