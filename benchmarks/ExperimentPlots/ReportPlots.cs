using KappaFace.MLNet.Benchmarks.Experiments.Report;
using ScottPlot;

namespace KappaFace.MLNet.Benchmarks.ExperimentPlots;

/// <summary>
/// The experiment's plots, one PNG each: kappa and margin against class size, the margin distribution per epoch,
/// training loss and held-out accuracy per epoch for each loss, and ROC curves. A plot whose runs are missing
/// (e.g. an experiment without KappaFace) is skipped.
/// </summary>
public sealed class ReportPlots(ExperimentReport report, string folder)
{
    private const int Width = 900;
    private const int Height = 560;
    private const string LongTail = "long-tail";
    private const string Balanced = "balanced";
    private static readonly string[] Losses = ["kappaface", "arcface", "cosface"];

    /// <summary>Draws every plot the report has data for; returns the files written.</summary>
    public IReadOnlyList<string> DrawAll()
    {
        var written = new List<string>();
        void Add(string? path)
        {
            if (path is not null)
            {
                written.Add(path);
            }
        }

        Add(KappaAgainstClassSize());
        Add(MarginAgainstClassSize());
        Add(MarginsPerEpoch());
        Add(PerEpoch("loss-per-epoch.png", "Training loss per epoch (mean over seeds)", "mean training loss", e => e.Loss, Alignment.UpperRight));
        Add(PerEpoch("accuracy-per-epoch.png", "Held-out 10-fold accuracy per epoch (mean over seeds)", "held-out accuracy", e => e.HeldOutAccuracy, Alignment.LowerRight));
        Add(Roc(LongTail));
        Add(Roc(Balanced));
        return written;
    }

    private RunReport? FirstMain(string loss, string split) =>
        report.Runs.FirstOrDefault(r => r.Group == "main" && r.Loss == loss && r.Split == split);

    private string? KappaAgainstClassSize()
    {
        if (FirstMain("kappaface", LongTail) is not { KappaFace: { } values } run)
        {
            return null;
        }

        var plot = new Plot();
        var points = plot.Add.ScatterPoints(Jitter(values.Counts), values.Kappa.ToArray());
        points.MarkerSize = 6;
        points.Color = Colors.C0.WithAlpha(0.7);
        plot.Title($"Concentration kappa against class size (KappaFace, {run.Split}, seed {run.Seed}, last epoch)");
        plot.XLabel("training images of the identity (jittered)");
        plot.YLabel("estimated kappa");
        return Save(plot, "kappa-vs-class-size.png");
    }

    private string? MarginAgainstClassSize()
    {
        var plot = new Plot();
        int drawn = 0;
        foreach (var (split, colour) in new[] { (LongTail, Colors.C0), (Balanced, Colors.C1) })
        {
            if (FirstMain("kappaface", split) is { KappaFace: { } values })
            {
                var points = plot.Add.ScatterPoints(Jitter(values.Counts), values.Margins.ToArray());
                points.MarkerSize = 6;
                points.Color = colour.WithAlpha(0.7);
                points.LegendText = split;
                drawn++;
            }
        }

        if (drawn == 0)
        {
            return null;
        }

        plot.Title("KappaFace margin against class size (first seed, last epoch)");
        plot.XLabel("training images of the identity (jittered)");
        plot.YLabel("margin m0 * psi (radians)");
        plot.ShowLegend(Alignment.UpperRight);
        return Save(plot, "margin-vs-class-size.png");
    }

    private string? MarginsPerEpoch()
    {
        var plot = new Plot();
        int drawn = 0;
        double highest = 0;
        foreach (var (split, colour) in new[] { (LongTail, Colors.C0), (Balanced, Colors.C1) })
        {
            if (FirstMain("kappaface", split) is not { } run || run.Epochs.Any(e => e.Margins is null))
            {
                continue;
            }

            double[] xs = run.Epochs.Select(e => (double)e.Epoch).ToArray();
            var outer = plot.Add.FillY(xs, run.Epochs.Select(e => e.Margins!.P10).ToArray(), run.Epochs.Select(e => e.Margins!.P90).ToArray());
            outer.FillColor = colour.WithAlpha(0.15);
            outer.LineColor = Colors.Transparent;
            var inner = plot.Add.FillY(xs, run.Epochs.Select(e => e.Margins!.P25).ToArray(), run.Epochs.Select(e => e.Margins!.P75).ToArray());
            inner.FillColor = colour.WithAlpha(0.3);
            inner.LineColor = Colors.Transparent;
            var median = plot.Add.Scatter(xs, run.Epochs.Select(e => e.Margins!.Median).ToArray());
            median.Color = colour;
            median.LineWidth = 2;
            median.LegendText = $"{split}: median, 25-75% and 10-90% bands";
            var extremes = plot.Add.Scatter(xs, run.Epochs.Select(e => e.Margins!.Min).ToArray());
            extremes.Color = colour;
            extremes.LinePattern = LinePattern.Dotted;
            extremes.MarkerSize = 0;
            extremes.LegendText = $"{split}: min and max";
            highest = Math.Max(highest, run.Epochs.Max(e => e.Margins!.Max));
            var max = plot.Add.Scatter(xs, run.Epochs.Select(e => e.Margins!.Max).ToArray());
            max.Color = colour;
            max.LinePattern = LinePattern.Dotted;
            max.MarkerSize = 0;
            drawn++;
        }

        if (drawn == 0)
        {
            return null;
        }

        plot.Title("KappaFace per-class margins at each epoch's end (first seed)");
        plot.XLabel("epoch");
        plot.YLabel("margin (radians)");
        // Head room above the largest margin keeps the legend off the curves.
        plot.Axes.SetLimitsY(0, highest * 1.4);
        plot.ShowLegend(Alignment.UpperRight);
        return Save(plot, "margins-per-epoch.png");
    }

    private string? PerEpoch(string file, string title, string yLabel, Func<EpochSummary, double?> value, Alignment legend)
    {
        var plot = new Plot();
        int drawn = 0;
        for (int l = 0; l < Losses.Length; l++)
        {
            foreach (var (split, pattern) in new[] { (LongTail, LinePattern.Solid), (Balanced, LinePattern.Dashed) })
            {
                var runs = report.Runs.Where(r => r.Group == "main" && r.Loss == Losses[l] && r.Split == split).ToList();
                if (runs.Count == 0 || runs.Any(r => r.Epochs.Any(e => value(e) is null)))
                {
                    continue;
                }

                int epochs = runs.Min(r => r.Epochs.Count);
                double[] xs = Enumerable.Range(1, epochs).Select(e => (double)e).ToArray();
                double[] ys = Enumerable.Range(0, epochs).Select(e => runs.Average(r => value(r.Epochs[e])!.Value)).ToArray();
                var line = plot.Add.Scatter(xs, ys);
                line.Color = Palette(l);
                line.LinePattern = pattern;
                line.LineWidth = 2;
                line.MarkerSize = 4;
                line.LegendText = $"{Losses[l]}, {split}";
                drawn++;
            }
        }

        if (drawn == 0)
        {
            return null;
        }

        plot.Title(title);
        plot.XLabel("epoch");
        plot.YLabel(yLabel);
        plot.ShowLegend(legend);
        return Save(plot, file);
    }

    private string? Roc(string split)
    {
        var plot = new Plot();
        int drawn = 0;
        for (int l = 0; l < Losses.Length; l++)
        {
            if (FirstMain(Losses[l], split) is not { Roc.Count: > 1 } run)
            {
                continue;
            }

            // log10 of FAR: the low-FAR end is what verification thresholds live on. FAR = 0 sits at the left edge.
            double[] xs = run.Roc.Select(p => Math.Log10(Math.Max(p.Far, MinFar))).ToArray();
            var line = plot.Add.Scatter(xs, run.Roc.Select(p => p.Tar).ToArray());
            line.Color = Palette(l);
            line.LineWidth = 2;
            line.MarkerSize = 0;
            line.ConnectStyle = ConnectStyle.StepHorizontal;
            line.LegendText = $"{Losses[l]} (AUC {run.Metrics.Auc:F3})";
            drawn++;
        }

        if (drawn == 0)
        {
            return null;
        }

        plot.Title($"ROC on held-out identities, {split} training split (first seed)");
        plot.XLabel("log10 false accept rate");
        plot.YLabel("true accept rate");
        plot.Axes.SetLimits(Math.Log10(MinFar), 0, 0, 1.02);
        plot.ShowLegend(Alignment.LowerRight);
        return Save(plot, $"roc-{split}.png");
    }

    private const double MinFar = 1e-4;

    private static Color Palette(int index) => new ScottPlot.Palettes.Category10().GetColor(index);

    // Many identities share a count; a small deterministic spread keeps their points visible.
    private static double[] Jitter(IReadOnlyList<long> counts) =>
        counts.Select((c, i) => c + (((i * 0.6180339887) % 1.0) - 0.5) * 0.5).ToArray();

    private string Save(Plot plot, string file)
    {
        string path = Path.Combine(folder, file);
        plot.SavePng(path, Width, Height);
        return path;
    }
}
