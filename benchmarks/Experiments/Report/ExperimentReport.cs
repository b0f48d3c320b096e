// Plain records with no library dependency: this file is also compiled into benchmarks/ExperimentPlots,
// which reads report.json with the same types (it cannot reference the library: it needs SkiaSharp 3).
namespace KappaFace.MLNet.Benchmarks.Experiments.Report;

/// <summary>Everything one experiment run measured; serialised as report.json.</summary>
/// <param name="Settings">The settings every run shared.</param>
/// <param name="Machine">Where and when it ran.</param>
/// <param name="Data">The data and its splits.</param>
/// <param name="Untrained">Held-out metrics of an untrained network (a floor for every run), or of the pretrained model in fine-tune mode.</param>
/// <param name="Runs">Every training run, in the order they ran.</param>
/// <param name="Summary">Mean and spread over seeds of the main runs, per split and loss.</param>
/// <param name="Complete">False while runs are still pending (the file is rewritten after each run).</param>
public sealed record ExperimentReport(
    ReportSettings Settings,
    MachineInfo Machine,
    DataInfo Data,
    FinalMetrics Untrained,
    IReadOnlyList<RunReport> Runs,
    IReadOnlyList<SummaryRow> Summary,
    bool Complete);

/// <summary>The settings shared by every run.</summary>
/// <remarks><c>FineTuned</c>: every run started from a pretrained model (named in <c>Backbone</c>), and
/// <see cref="ExperimentReport.Untrained"/> holds that model's metrics without training. <c>Scale</c> null: chosen from
/// the class count of each split (every run's <c>Hyper</c> has the value used).</remarks>
public sealed record ReportSettings(
    string Mode, string Backbone, int ImageSize, int EmbeddingSize, int Epochs, int BatchSize,
    double LearningRate, double WarmupEpochs, string Schedule, double? Scale, bool HorizontalFlip,
    IReadOnlyList<int> Seeds, int SplitSeed, int PairSeed, int RequestedPairs, bool FineTuned = false);

/// <summary>The machine and the wall clock of the run.</summary>
public sealed record MachineInfo(
    int Cores, string Cpu, string Os, string Runtime, string Started, string LoadAtStart, string? LoadAtEnd, double Seconds,
    string Command);

/// <summary>The data folder, the held-out identities and the two training splits.</summary>
public sealed record DataInfo(
    string Source, int Identities, int Images, int HeldOutIdentities, int HeldOutImages, int Pairs,
    SplitInfo LongTail, SplitInfo Balanced);

/// <summary>One training split: its identities and per-identity image counts.</summary>
/// <param name="Name">long-tail or balanced.</param>
/// <param name="Identities">Training identities (the same for both splits).</param>
/// <param name="Images">Training images.</param>
/// <param name="Counts">Images per identity, largest first.</param>
/// <param name="ImbalanceRatio">Largest count over smallest count.</param>
/// <param name="MeanCount">Mean images per identity.</param>
public sealed record SplitInfo(string Name, int Identities, int Images, IReadOnlyList<int> Counts, double ImbalanceRatio, double MeanCount);

/// <summary>One training run and its evaluation.</summary>
/// <param name="Name">Unique, e.g. <c>kappaface/long-tail/seed1</c> or <c>kappaface-gamma0/long-tail/seed1</c>.</param>
/// <param name="Group">main, ablation or fixed-margin.</param>
/// <param name="Variant">What differs from the loss's defaults, e.g. <c>gamma=0</c>; empty for main runs.</param>
/// <param name="Split">long-tail or balanced.</param>
/// <param name="Loss">kappaface, arcface or cosface.</param>
/// <param name="Seed">Training seed.</param>
/// <param name="Hyper">The loss's hyper-parameters in force (s, m or m0, T, gamma, ...).</param>
/// <param name="Seconds">Wall time of training and evaluation.</param>
/// <param name="Load">Load average when the run ended.</param>
/// <param name="Epochs">Per-epoch measurements.</param>
/// <param name="KappaFace">Per-class KappaFace values of the last epoch; null for other losses.</param>
/// <param name="Metrics">Held-out verification metrics of the final network.</param>
/// <param name="Roc">The ROC curve, thinned to at most a few hundred points.</param>
public sealed record RunReport(
    string Name, string Group, string Variant, string Split, string Loss, int Seed,
    IReadOnlyDictionary<string, double> Hyper, double Seconds, string Load,
    IReadOnlyList<EpochSummary> Epochs, ClassValues? KappaFace, FinalMetrics Metrics, IReadOnlyList<RocSample> Roc);

/// <summary>What one epoch measured.</summary>
/// <param name="Epoch">One-based epoch.</param>
/// <param name="Loss">Mean training loss.</param>
/// <param name="LearningRate">Rate of the epoch's last step.</param>
/// <param name="HeldOutAccuracy">10-fold accuracy on the held-out identities (pairs seeded by the training seed).</param>
/// <param name="Margins">Distribution of the per-class margins computed at the epoch's end; null except KappaFace.</param>
/// <param name="Kappa">Distribution of the per-class concentrations; null except KappaFace.</param>
public sealed record EpochSummary(int Epoch, double Loss, double LearningRate, double? HeldOutAccuracy, Distribution? Margins, Distribution? Kappa);

/// <summary>Mean and percentiles (linear interpolation) of per-class values.</summary>
public sealed record Distribution(double Mean, double Min, double P10, double P25, double Median, double P75, double P90, double Max);

/// <summary>Per-class values, in label order.</summary>
public sealed record ClassValues(IReadOnlyList<long> Counts, IReadOnlyList<double> Kappa, IReadOnlyList<double> Psi, IReadOnlyList<double> Margins);

/// <summary>Held-out verification metrics.</summary>
/// <param name="Accuracy">Mean 10-fold accuracy (thresholds chosen on the other folds).</param>
/// <param name="AccuracyStd">Standard deviation of the fold accuracies.</param>
/// <param name="Auc">Area under the ROC curve.</param>
/// <param name="Eer">Equal error rate.</param>
/// <param name="TarAtFar">TAR per target FAR (keys like <c>0.01</c>); FARs too small for the pair count are absent.</param>
public sealed record FinalMetrics(double Accuracy, double AccuracyStd, double Auc, double Eer, IReadOnlyDictionary<string, double> TarAtFar);

/// <summary>One ROC point.</summary>
public sealed record RocSample(double Far, double Tar);

/// <summary>Mean and sample standard deviation over seeds of one metric.</summary>
/// <param name="Mean">Mean over seeds.</param>
/// <param name="Std">Sample standard deviation (n - 1); 0 with one seed.</param>
public sealed record Spread(double Mean, double Std);

/// <summary>The main runs of one split and loss, summarised over seeds.</summary>
public sealed record SummaryRow(string Split, string Loss, int Seeds, Spread Accuracy, Spread Auc, Spread? TarAt1e2, Spread? TarAt1e3, Spread? MeanMargin);
