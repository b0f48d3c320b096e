using KappaFace.MLNet.Benchmarks.Experiments;
using KappaFace.MLNet.Benchmarks.Experiments.Report;
using KappaFace.MLNet.Trainer.Backbones;
using KappaFace.MLNet.Trainer.Evaluation;
using KappaFace.MLNet.Trainer.Export;
using KappaFace.MLNet.Trainer.Import;
using KappaFace.MLNet.Synthetic;
using TorchSharp;
using Xunit;

namespace KappaFace.MLNet.Experiments.Tests;

/// <summary>Fine-tune mode: every run starts from the given model, and the baseline row is that model untrained.</summary>
public sealed class FineTuneExperimentTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "kappaface-finetune-experiment-test-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public void Every_run_starts_from_the_model_and_the_baseline_is_the_model_itself()
    {
        Directory.CreateDirectory(_folder);
        string model = Path.Combine(_folder, "pretrained.onnx");
        // Seeded apart from the runs' seed: a fresh network of the runs' seed would give other baseline numbers.
        torch.manual_seed(99);
        using (var backbone = BackboneFactory.Create(BackboneKind.Tiny, 32, 16))
        {
            OnnxExporter.Export(backbone, model);
        }

        var settings = ExperimentSettings.FineTune(model, 32, 16) with
        {
            Seeds = [1], Ablations = false, MaxIdentities = 10, HeldOutIdentities = 4, Pairs = 200, EpochPairs = 100, BatchSize = 16, Epochs = 1,
        };
        var faces = SyntheticFaces.Generate(new SyntheticFaceOptions
        {
            Identities = 10, ImageSize = 32, MinImagesPerIdentity = 12, MaxImagesPerIdentity = 12, Seed = 5,
        });
        ExperimentReport report = ExperimentJob.Run(settings, faces, "synthetic", _folder, TextWriter.Null, "test", plots: false);

        Assert.True(report.Settings.FineTuned);
        var runner = new ExperimentRunner(settings, TextWriter.Null);
        Assert.All(ExperimentPlan.Runs(settings), run => Assert.Equal(model, runner.TrainerOptions(run).InitialModel));
        Assert.Equal(6, report.Runs.Count);

        var splits = ExperimentSplits.Build(faces, settings);
        var validator = new VerificationValidator(splits.HeldOut, settings.Pairs, settings.PairSeed);
        using var pretrained = ImportedBackbone.Load(model);
        var expected = validator.Evaluate(pretrained, torch.CPU);
        Assert.Equal(expected.Accuracy, report.Untrained.Accuracy, 6);
        Assert.Equal(expected.Auc, report.Untrained.Auc, 6);

        string markdown = File.ReadAllText(Path.Combine(_folder, ReportFiles.MarkdownName));
        Assert.Contains("pretrained model, not fine-tuned", markdown, StringComparison.Ordinal);
        Assert.Contains("Fine-tuned with kappaface minus the pretrained model", markdown, StringComparison.Ordinal);
        Assert.Contains("KappaFace minus CosFace", markdown, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }
}
