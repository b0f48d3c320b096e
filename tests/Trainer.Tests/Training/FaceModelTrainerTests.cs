using KappaFace.MLNet.Trainer.Heads;
using KappaFace.MLNet.Trainer.Training;
using KappaFace.MLNet.Trainer.Training.Checkpoints;
using KappaFace.MLNet.Data;
using KappaFace.MLNet.Synthetic;
using TorchSharp;
using Xunit;
using static KappaFace.MLNet.Trainer.Tests.Training.TrainingFixtures;

namespace KappaFace.MLNet.Trainer.Tests.Training;

public sealed class FaceModelTrainerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("kf-train-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private sealed class StopAfter(int step, CancellationTokenSource cts) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value)
        {
            if (value.GlobalStep == step)
            {
                cts.Cancel();
            }
        }
    }

    [Theory]
    [InlineData(MarginLossKind.KappaFace, 3)]   // inside the first epoch: class sums and memory mid-epoch
    [InlineData(MarginLossKind.KappaFace, 9)]   // inside the second epoch: margins from epoch one
    [InlineData(MarginLossKind.ArcFace, 5)]
    public void Stopping_and_resuming_gives_the_uninterrupted_weights(MarginLossKind loss, int stopAfter)
    {
        var data = SmallSynthetic();
        var full = new FaceModelTrainer(TinyOptions(loss)).Train(data);
        using var expected = full.Backbone;

        var options = TinyOptions(loss);
        options = options with { CheckpointDirectory = Path.Combine(_dir, "ckpt") };
        using (var cts = new CancellationTokenSource())
        {
            Assert.Throws<OperationCanceledException>(() =>
                new FaceModelTrainer(options).Train(data, progress: new StopAfter(stopAfter, cts), cancellationToken: cts.Token));
        }
        Assert.NotEmpty(new CheckpointStore(options.CheckpointDirectory!, 3).List());

        options = options with { Resume = true };
        var resumed = new FaceModelTrainer(options).Train(data);
        using var actual = resumed.Backbone;

        Assert.True(MaxStateDifference(expected, actual) <= 1e-6, $"max difference {MaxStateDifference(expected, actual)}");
        Assert.Equal(full.Epochs.Count, resumed.Epochs.Count);
        Assert.Equal(full.Epochs[^1].Loss, resumed.Epochs[^1].Loss, 6);
        if (loss == MarginLossKind.KappaFace)
        {
            Assert.Equal(full.Epochs[^1].KappaFace!.Psi, resumed.Epochs[^1].KappaFace!.Psi);
        }
    }

    [Fact]
    public void Resume_falls_back_past_a_truncated_newest_checkpoint()
    {
        var data = SmallSynthetic();
        var full = new FaceModelTrainer(TinyOptions(epochs: 3)).Train(data);
        using var expected = full.Backbone;

        var options = TinyOptions(epochs: 3);
        options = options with { CheckpointDirectory = Path.Combine(_dir, "ckpt") };
        options = options with { CheckpointEverySteps = 2 };
        using (var cts = new CancellationTokenSource())
        {
            Assert.Throws<OperationCanceledException>(() =>
                new FaceModelTrainer(options).Train(data, progress: new StopAfter(11, cts), cancellationToken: cts.Token));
        }
        var store = new CheckpointStore(options.CheckpointDirectory!, 3);
        string newest = store.List()[0];
        File.WriteAllBytes(newest, File.ReadAllBytes(newest)[..1000]);

        options = options with { Resume = true };
        var messages = new List<string>();
        var resumed = new FaceModelTrainer(options, messages.Add).Train(data);
        using var actual = resumed.Backbone;
        Assert.Contains(messages, m => m.Contains("damaged", StringComparison.Ordinal) && m.Contains(Path.GetFileName(newest), StringComparison.Ordinal));
        Assert.True(MaxStateDifference(expected, actual) <= 1e-6);
    }

    [Fact]
    public void Resume_with_other_settings_is_refused()
    {
        var data = SmallSynthetic();
        var options = TinyOptions();
        options = options with { CheckpointDirectory = Path.Combine(_dir, "ckpt") };
        new FaceModelTrainer(options).Train(data).Backbone.Dispose();
        options = options with { Resume = true };
        options = options with { BatchSize = 4 };
        var e = Assert.Throws<InvalidOperationException>(() => new FaceModelTrainer(options).Train(data));
        Assert.Contains("batch=8", e.Message);
    }

    [Fact]
    public void Progress_reports_every_step_with_a_finite_loss_and_an_eta()
    {
        var data = SmallSynthetic();
        var reports = new List<TrainingProgress>();
        var result = new FaceModelTrainer(TinyOptions()).Train(data, progress: new SyncProgress(reports.Add));
        result.Backbone.Dispose();
        int stepsPerEpoch = EpochPlan.StepsPerEpoch(data.Count, 8);
        Assert.Equal(2 * stepsPerEpoch, reports.Count);
        Assert.Equal(Enumerable.Range(1, 2 * stepsPerEpoch).Select(i => (long)i), reports.Select(r => r.GlobalStep));
        Assert.All(reports, r => Assert.True(double.IsFinite(r.Loss) && r.ImagesPerSecond > 0 && r.LearningRate > 0));
        Assert.Equal(TimeSpan.Zero, reports[^1].Remaining);
        Assert.True(reports[0].Remaining > TimeSpan.Zero);
    }

    [Fact]
    public void Images_of_another_size_are_rejected_with_both_sizes_named()
    {
        var data = SmallSynthetic(size: 48);
        var e = Assert.Throws<ArgumentException>(() => new FaceModelTrainer(TinyOptions(size: 32)).Train(data));
        Assert.Contains("48x48", e.Message);
        Assert.Contains("32", e.Message);
    }

    [Fact]
    public void KappaFace_gives_rare_identities_larger_margins_than_populous_ones()
    {
        var data = SyntheticFaces.Generate(new SyntheticFaceOptions
        {
            Identities = 20, ImageSize = 32, Seed = 2, MaxImagesPerIdentity = 30, MinImagesPerIdentity = 2,
        });
        var result = new FaceModelTrainer(TinyOptions(epochs: 3)).Train(data);
        result.Backbone.Dispose();
        var k = result.Epochs[^1].KappaFace!;
        var bySize = Enumerable.Range(0, k.Counts.Length).OrderBy(i => k.Counts[i]).ToArray();
        int fifth = bySize.Length / 5;
        double rare = bySize.Take(fifth).Average(i => k.Psi[i]);
        double common = bySize.TakeLast(fifth).Average(i => k.Psi[i]);
        Assert.True(rare > common + 0.1, $"psi rare {rare:F3} vs common {common:F3}");
        Assert.All(k.Psi, p => Assert.InRange(p, 0, 1));
    }

    /// <summary>Reports synchronously (Progress&lt;T&gt; would post to the thread pool).</summary>
    private sealed class SyncProgress(Action<TrainingProgress> action) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => action(value);
    }
}
