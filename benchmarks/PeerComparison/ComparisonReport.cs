using System.Globalization;
using System.Text;

namespace KappaFace.MLNet.Benchmarks.PeerComparison;

/// <summary>One backbone's result for one contender, with the work it represents.</summary>
internal sealed record ContenderResult(string Backbone, string Contender, StepTimes Times, double TrainingFlopsPerImage, double MatmulGflops)
{
    /// <summary>Achieved GFLOP/s at the median step.</summary>
    public double Gflops => Times.MedianImagesPerSecond * TrainingFlopsPerImage / 1e9;

    /// <summary>Fraction of this contender's own matmul speed that its training reaches.</summary>
    public double OfOwnPeak => Gflops / MatmulGflops;
}

/// <summary>The markdown tables of a comparison run.</summary>
internal static class ComparisonReport
{
    public static string Markdown(IReadOnlyList<ContenderResult> results, IReadOnlyList<IContender> contenders, string reference)
    {
        // The machine's limit: the fastest matmul any framework reached here, spread over one image's training FLOPs.
        double machinePeak = results.Max(r => r.MatmulGflops);
        var text = new StringBuilder();
        text.AppendLine(Invariant($"| backbone | contender | images/s median | images/s mean | images/s best | this / {reference} (median) | this / {reference} (mean) | GFLOP/s | of own matmul peak | limit images/s | of limit |"));
        text.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var group in results.GroupBy(r => r.Backbone))
        {
            var basis = group.FirstOrDefault(r => r.Contender == reference) ?? group.First();
            foreach (var r in group)
            {
                double limit = machinePeak * 1e9 / r.TrainingFlopsPerImage;
                text.AppendLine(Invariant($"| {r.Backbone} | {r.Contender} | {r.Times.MedianImagesPerSecond:F1} | {r.Times.MeanImagesPerSecond:F1} | {r.Times.BestImagesPerSecond:F1} | {r.Times.MedianImagesPerSecond / basis.Times.MedianImagesPerSecond:F2} | {r.Times.MeanImagesPerSecond / basis.Times.MeanImagesPerSecond:F2} | {r.Gflops:F1} | {r.OfOwnPeak:P0} | {limit:F0} | {r.Times.MedianImagesPerSecond / limit:P0} |"));
            }
        }
        text.AppendLine();
        text.AppendLine("| contender | runs as | matmul GFLOP/s |");
        text.AppendLine("|---|---|---:|");
        foreach (var contender in contenders)
        {
            double peak = results.First(r => r.Contender == contender.Name).MatmulGflops;
            text.AppendLine(Invariant($"| {contender.Name} | {contender.Description} | {peak:F1} |"));
        }
        return text.ToString();
    }

    private static string Invariant(FormattableString value) => value.ToString(CultureInfo.InvariantCulture);
}
