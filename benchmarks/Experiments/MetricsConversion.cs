using System.Globalization;
using KappaFace.MLNet.Benchmarks.Experiments.Report;
using KappaFace.MLNet.Trainer.Training;
using KappaFace.MLNet.Transforms.Evaluation;

namespace KappaFace.MLNet.Benchmarks.Experiments;

/// <summary>Turns the library's results into the report's plain records.</summary>
public static class MetricsConversion
{
    // Log-spaced from 1e-4 to 1 plus a linear grid: enough for both a log-FAR and a linear ROC plot.
    private static readonly double[] RocTargets =
        [.. Enumerable.Range(0, 81).Select(i => Math.Pow(10, -4 + (i / 20.0))), .. Enumerable.Range(1, 50).Select(i => i / 50.0)];

    /// <summary>The metrics of the report; TARs the pair count cannot measure are left out.</summary>
    public static FinalMetrics Final(VerificationMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        var tar = metrics.TarAtFar
            .Where(point => point.Tar is not null)
            .ToDictionary(point => FarKey(point.Far), point => point.Tar!.Value, StringComparer.Ordinal);
        return new FinalMetrics(metrics.Accuracy, metrics.AccuracyStd, metrics.Auc, metrics.Eer, tar);
    }

    /// <summary>The report's key of a false accept rate: <c>0.01</c>, <c>0.001</c>, ...</summary>
    public static string FarKey(double far) => far.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>
    /// The ROC curve thinned to the last point at or below each target FAR (a few hundred points at most), keeping
    /// both ends, so the step curve's shape survives at every scale.
    /// </summary>
    public static IReadOnlyList<RocSample> ThinRoc(IReadOnlyList<RocPoint> roc)
    {
        ArgumentNullException.ThrowIfNull(roc);
        if (roc.Count == 0)
        {
            return [];
        }

        var keep = new SortedSet<int> { 0, roc.Count - 1 };
        int index = 0;
        foreach (double target in RocTargets.Order())
        {
            while (index + 1 < roc.Count && roc[index + 1].FalseAcceptRate <= target)
            {
                index++;
            }

            keep.Add(index);
        }

        return keep.Select(i => new RocSample(roc[i].FalseAcceptRate, roc[i].TrueAcceptRate)).ToArray();
    }

    /// <summary>One epoch of the report: KappaFace's per-class values as distributions.</summary>
    public static EpochSummary Epoch(EpochReport epoch)
    {
        ArgumentNullException.ThrowIfNull(epoch);
        var kappa = epoch.KappaFace;
        bool hasClasses = kappa is not null && kappa.Margins.Length > 0;
        return new EpochSummary(epoch.Epoch, epoch.Loss, epoch.LearningRate, epoch.ValidationAccuracy,
            hasClasses ? Statistics.DistributionOf(kappa!.Margins) : null,
            hasClasses ? Statistics.DistributionOf(kappa!.Kappa) : null);
    }

    /// <summary>The per-class KappaFace values, or null for other losses.</summary>
    public static ClassValues? Classes(KappaFaceEpochValues? values) =>
        values is null ? null : new ClassValues(values.Counts, values.Kappa, values.Psi, values.Margins);
}
