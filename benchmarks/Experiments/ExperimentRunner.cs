using System.Diagnostics;
using KappaFace.MLNet.Benchmarks.Experiments.Report;
using KappaFace.MLNet.Trainer.Backbones;
using KappaFace.MLNet.Trainer.Evaluation;
using KappaFace.MLNet.Trainer.Export;
using KappaFace.MLNet.Trainer.Heads;
using KappaFace.MLNet.Trainer.Import;
using KappaFace.MLNet.Trainer.Training;
using KappaFace.MLNet.Data;
using TorchSharp;

namespace KappaFace.MLNet.Benchmarks.Experiments;

/// <summary>
/// Runs an experiment in process: builds the splits, trains every run of <see cref="ExperimentPlan"/> under the
/// same settings, evaluates each final network on the same held-out pairs and assembles the report.
/// </summary>
public sealed class ExperimentRunner
{
    private readonly ExperimentSettings _settings;
    private readonly TextWriter _log;

    /// <summary>Creates a runner; <paramref name="log"/> receives progress lines (with an ETA).</summary>
    public ExperimentRunner(ExperimentSettings settings, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(log);
        settings.Validate();
        _settings = settings;
        _log = log;
    }

    /// <summary>
    /// Runs every planned run on <paramref name="all"/> (loaded at <see cref="ExperimentSettings.ImageSize"/>).
    /// <paramref name="checkpoint"/> receives the report so far after each run (with <c>Complete = false</c>), so
    /// a stopped experiment still leaves its finished runs behind.
    /// </summary>
    /// <param name="all">The whole data set.</param>
    /// <param name="source">Where the data came from, for the report.</param>
    /// <param name="command">The command line that started the experiment, for the report.</param>
    /// <param name="checkpoint">Called with the partial report after each run; may be null.</param>
    /// <param name="cancellationToken">Stops between training steps.</param>
    public ExperimentReport Run(FaceImageSet all, string source, string command, Action<ExperimentReport>? checkpoint = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(all);
        if (all.ImageSize != _settings.ImageSize)
        {
            throw new ArgumentException($"The images are {all.ImageSize} px but the settings ask for {_settings.ImageSize} px.", nameof(all));
        }

        var clock = Stopwatch.StartNew();
        string started = DateTime.UtcNow.ToString("u", System.Globalization.CultureInfo.InvariantCulture);
        string loadAtStart = MachineProbe.LoadAverage();
        var splits = ExperimentSplits.Build(all, _settings);
        var validator = new VerificationValidator(splits.HeldOut, _settings.Pairs, _settings.PairSeed);
        var data = new DataInfo(source, splits.Identities, splits.Images, splits.HeldOut.ClassCount, splits.HeldOut.Count,
            validator.Pairs.Count, ExperimentSplits.Describe(SplitNames.LongTail, splits.LongTail),
            ExperimentSplits.Describe(SplitNames.Balanced, splits.Balanced));
        _log.WriteLine($"Held out: {data.HeldOutIdentities} identities, {data.HeldOutImages} images, {data.Pairs} pairs. " +
                       $"Long-tail: {data.LongTail.Images} images, {data.LongTail.Counts[0]}..{data.LongTail.Counts[^1]} per identity. " +
                       $"Balanced: {data.Balanced.Images} images. Load {loadAtStart}.");

        FinalMetrics untrained = Untrained(validator);
        var plan = ExperimentPlan.Runs(_settings);
        var eta = new ExperimentEta(plan.Select(run => Cost(splits.Training(run.Split))).ToArray());
        var runs = new List<RunReport>();
        ExperimentReport Snapshot(bool complete) => new(
            ReportSettingsOf(), MachineProbe.Describe(started, loadAtStart, complete ? MachineProbe.LoadAverage() : null, clock.Elapsed.TotalSeconds, command),
            data, untrained, runs.ToArray(), SummaryRows(runs), complete);

        for (int i = 0; i < plan.Count; i++)
        {
            RunSpec run = ExperimentPlan.IsPlaceholder(plan[i]) ? ResolveFixedMargin(plan[i], runs) : plan[i];
            _log.WriteLine($"[{i + 1}/{plan.Count}] {run.Name}: {eta.Describe()}");
            eta.StartRun(i);
            runs.Add(Train(run, splits, validator, eta, cancellationToken));
            eta.FinishRun(i);
            RunReport done = runs[^1];
            _log.WriteLine($"[{i + 1}/{plan.Count}] {run.Name} done in {done.Seconds:F0} s: accuracy {done.Metrics.Accuracy:F4}, " +
                           $"AUC {done.Metrics.Auc:F4}, TAR@1e-2 {Tar(done.Metrics, 1e-2)}; {eta.Describe()}");
            checkpoint?.Invoke(Snapshot(complete: false));
        }

        return Snapshot(complete: true);
    }

    private RunReport Train(RunSpec run, ExperimentSplits splits, VerificationValidator validator, ExperimentEta eta, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        FaceTrainerOptions options = TrainerOptions(run);
        var progress = new EpochEtaProgress(_log, eta);
        TrainingResult result = new FaceModelTrainer(options, message => _log.WriteLine("    " + message))
            .Train(splits.Training(run.Split), splits.HeldOut, progress, cancellationToken);
        using FaceBackbone backbone = result.Backbone;
        var metrics = validator.Evaluate(backbone, torch.CPU);
        return new RunReport(
            run.Name, run.Group, run.Variant, run.Split, run.LossName, run.Seed,
            ModelCardAssembler.LossParameters(options.Margin, result.Classes), clock.Elapsed.TotalSeconds, MachineProbe.LoadAverage(),
            result.Epochs.Select(MetricsConversion.Epoch).ToArray(), MetricsConversion.Classes(result.Epochs[^1].KappaFace),
            MetricsConversion.Final(metrics), MetricsConversion.ThinRoc(metrics.Roc));
    }

    /// <summary>The trainer options of a run: the shared settings plus the run's loss, seed and variant.</summary>
    public FaceTrainerOptions TrainerOptions(RunSpec run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var margin = new MarginOptions { Loss = run.Loss, Scale = _settings.Scale };
        margin = run.Configure?.Invoke(margin) ?? margin;
        var options = new FaceTrainerOptions
        {
            Backbone = _settings.Backbone, ImageSize = _settings.ImageSize, EmbeddingSize = _settings.EmbeddingSize,
            Epochs = _settings.Epochs, BatchSize = _settings.BatchSize, LearningRate = _settings.LearningRate,
            WarmupEpochs = _settings.WarmupEpochs, Decay = LearningRateDecay.Cosine, HorizontalFlip = true,
            Seed = run.Seed, Device = "cpu", ValidationPairs = _settings.EpochPairs, InitialModel = _settings.InitialModel,
            // One epoch-end line per epoch is enough for the ETA.
            ProgressEverySteps = int.MaxValue,
            Margin = margin,
        };
        options.Validate();
        return options;
    }

    private static RunSpec ResolveFixedMargin(RunSpec placeholder, IReadOnlyList<RunReport> done)
    {
        RunReport kappa = done.FirstOrDefault(r => r.Group == RunGroups.Main && r.Split == placeholder.Split && r.Seed == placeholder.Seed
                                                   && r.Loss == ModelCardAssembler.LossName(MarginLossKind.KappaFace) && r.KappaFace is not null)
            ?? throw new InvalidOperationException($"The fixed-margin run on {placeholder.Split} needs the KappaFace run of seed {placeholder.Seed} first.");
        return ExperimentPlan.FixedMargin(placeholder.Split, placeholder.Seed, kappa.KappaFace!.Margins.Average());
    }

    // The floor every run is compared with: a fresh network from scratch, the pretrained model itself when fine-tuning.
    private FinalMetrics Untrained(VerificationValidator validator)
    {
        torch.manual_seed(_settings.Seeds[0]);
        using FaceBackbone backbone = _settings.InitialModel is { } model
            ? ImportedBackbone.Load(model)
            : BackboneFactory.Create(_settings.Backbone, _settings.ImageSize, _settings.EmbeddingSize);
        return MetricsConversion.Final(validator.Evaluate(backbone, torch.CPU));
    }

    // Training cost grows with images x epochs; validation adds a roughly fixed share per epoch.
    private double Cost(FaceImageSet training) => (double)training.Count * _settings.Epochs;

    private ReportSettings ReportSettingsOf() => new(
        _settings.Mode, _settings.InitialModel is { } model ? "init:" + Path.GetFileName(model) : BackboneFactory.NameOf(_settings.Backbone), _settings.ImageSize, _settings.EmbeddingSize, _settings.Epochs,
        _settings.BatchSize, _settings.LearningRate, _settings.WarmupEpochs, "cosine", _settings.Scale, HorizontalFlip: true,
        _settings.Seeds, _settings.SplitSeed, _settings.PairSeed, _settings.Pairs, FineTuned: _settings.InitialModel is not null);

    /// <summary>Mean and spread over seeds of the main runs, per split and loss, in plan order.</summary>
    public static IReadOnlyList<SummaryRow> SummaryRows(IReadOnlyList<RunReport> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        return runs.Where(r => r.Group == RunGroups.Main)
            .GroupBy(r => (r.Split, r.Loss))
            .Select(g =>
            {
                var list = g.ToList();
                return new SummaryRow(g.Key.Split, g.Key.Loss, list.Count,
                    Statistics.SpreadOf(list.Select(r => r.Metrics.Accuracy).ToArray()),
                    Statistics.SpreadOf(list.Select(r => r.Metrics.Auc).ToArray()),
                    SpreadOfTar(list, 1e-2),
                    SpreadOfTar(list, 1e-3),
                    list.All(r => r.KappaFace is not null) ? Statistics.SpreadOf(list.Select(r => r.KappaFace!.Margins.Average()).ToArray()) : null);
            })
            .ToArray();
    }

    private static Spread? SpreadOfTar(IReadOnlyList<RunReport> runs, double far)
    {
        string key = MetricsConversion.FarKey(far);
        return runs.All(r => r.Metrics.TarAtFar.ContainsKey(key))
            ? Statistics.SpreadOf(runs.Select(r => r.Metrics.TarAtFar[key]).ToArray())
            : null;
    }

    private static string Tar(FinalMetrics metrics, double far) =>
        metrics.TarAtFar.TryGetValue(MetricsConversion.FarKey(far), out double tar) ? tar.ToString("F4", System.Globalization.CultureInfo.InvariantCulture) : "n/a";
}
