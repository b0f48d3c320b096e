using KappaFace.MLNet.Tests.Shared;
using KappaFace.MLNet.Trainer.Concentration;
using KappaFace.MLNet.Trainer.Data;
using KappaFace.MLNet.Trainer.Heads;
using KappaFace.MLNet.Trainer.Tests.Data;
using KappaFace.MLNet.Trainer.Training;
using KappaFace.MLNet.Trainer.Training.Checkpoints;
using KappaFace.MLNet.Data;
using Xunit;
using static KappaFace.MLNet.Trainer.Tests.Training.TrainingFixtures;

namespace KappaFace.MLNet.Trainer.Tests.Training;

/// <summary>The scale options end to end: streaming input, PartialFC, float16 memory, memory reporting.</summary>
public sealed class ScaleTrainingTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Streaming_training_matches_in_memory_training()
    {
        string data = ImageFolderFixture.Write(_folder, SmallSynthetic());
        var inMemoryOptions = TinyOptions();
        inMemoryOptions = inMemoryOptions with { DecodeWorkers = 1 };
        var inMemory = new FaceModelTrainer(inMemoryOptions).Train(FaceImageSet.LoadFolder(data, 32));
        using var expected = inMemory.Backbone;

        var streamingOptions = TinyOptions();
        streamingOptions = streamingOptions with { DecodeWorkers = 3 };
        streamingOptions = streamingOptions with { PrefetchBatches = 1 };
        var streamed = new FaceModelTrainer(streamingOptions).Train(StreamingTrainingImages.FromFolder(data, 32));
        using var actual = streamed.Backbone;

        // The batches are bit-identical (BatchPipelineTests); the bound only absorbs libtorch's occasional last-bit
        // differences between runs of multithreaded reductions on a loaded machine. A different image order or
        // flip moves the weights by orders of magnitude more.
        Assert.True(MaxStateDifference(expected, actual) <= 1e-6, $"max difference {MaxStateDifference(expected, actual)}");
        Assert.Equal(inMemory.Epochs.Select(e => e.Loss), streamed.Epochs.Select(e => e.Loss), (a, b) => Math.Abs(a - b) <= 1e-6);
        Assert.Equal(inMemory.Epochs[^1].KappaFace!.Margins, streamed.Epochs[^1].KappaFace!.Margins, (a, b) => Math.Abs(a - b) <= 1e-6);
    }

    [Theory]
    [InlineData(MarginLossKind.KappaFace, 5)]
    [InlineData(MarginLossKind.KappaFace, 9)]
    [InlineData(MarginLossKind.CosFace, 6)]
    public void Streamed_partial_fc_fp16_training_resumes_to_the_uninterrupted_weights(MarginLossKind loss, int stopAfter)
    {
        string data = ImageFolderFixture.Write(_folder, SmallSynthetic());
        FaceTrainerOptions Options()
        {
            var options = TinyOptions(loss);
            options = options with { Margin = options.Margin with { Sampling = options.Margin.Sampling with { SampleRate = 0.4 } } };
            options = options with { Margin = options.Margin with { KappaFace = options.Margin.KappaFace with { MemoryBufferPrecision = MemoryBufferPrecision.Fp16 } } };
            return options;
        }
        var full = new FaceModelTrainer(Options()).Train(FaceImageSet.LoadFolder(data, 32));
        using var expected = full.Backbone;

        var resumed = InterruptedThenResumed(Options(), () => StreamingTrainingImages.FromFolder(data, 32), stopAfter, _folder.Path);
        using var actual = resumed.Backbone;

        Assert.True(MaxStateDifference(expected, actual) <= 1e-6, $"max difference {MaxStateDifference(expected, actual)}");
        Assert.Equal(full.Epochs[^1].Loss, resumed.Epochs[^1].Loss, 6);
    }

    [Fact]
    public void Sampling_changes_training_and_is_part_of_the_checkpoint_fingerprint()
    {
        var data = SmallSynthetic();
        var fullOptions = TinyOptions(MarginLossKind.ArcFace, epochs: 1);
        fullOptions = fullOptions with { CheckpointDirectory = Path.Combine(_folder.Path, "ckpt") };
        using var full = new FaceModelTrainer(fullOptions).Train(data).Backbone;
        var sampledOptions = TinyOptions(MarginLossKind.ArcFace, epochs: 1);
        sampledOptions = sampledOptions with { Margin = sampledOptions.Margin with { Sampling = sampledOptions.Margin.Sampling with { SampleRate = 0.3 } } };
        using var sampled = new FaceModelTrainer(sampledOptions).Train(data).Backbone;
        Assert.True(MaxStateDifference(full, sampled) > 0);

        sampledOptions = sampledOptions with { CheckpointDirectory = fullOptions.CheckpointDirectory };
        sampledOptions = sampledOptions with { Resume = true };
        var e = Assert.Throws<InvalidOperationException>(() => new FaceModelTrainer(sampledOptions).Train(data));
        Assert.Contains("sample-rate=0.3", e.Message);
    }

    [Fact]
    public void A_file_that_fails_to_decode_mid_training_is_named_after_a_checkpoint()
    {
        string data = ImageFolderFixture.Write(_folder, SmallSynthetic());
        var images = StreamingTrainingImages.FromFolder(data, 32);
        var options = TinyOptions(epochs: 1);
        options = options with { CheckpointDirectory = Path.Combine(_folder.Path, "ckpt") };
        // The third batch of epoch 0 holds this file; break it after the scan, as a disk error would.
        var plan = new EpochPlan(images.Count, options.BatchSize, options.Seed, 0, options.HorizontalFlip);
        string bad = images.Sources[plan.Batch(2)[0]];
        File.WriteAllBytes(bad, [0xFF, 0xD8, 0xFF]);

        var e = Assert.Throws<FaceDataException>(() => new FaceModelTrainer(options).Train(images));
        Assert.Equal(bad, e.Path);
        var checkpoints = new CheckpointStore(options.CheckpointDirectory!, 3).List();
        Assert.Single(checkpoints);
        Assert.Contains("0000000002", Path.GetFileName(checkpoints[0]), StringComparison.Ordinal);
    }

    [Fact]
    public void Memory_use_is_logged_at_start_and_the_peak_is_reported_per_epoch()
    {
        var messages = new List<string>();
        var result = new FaceModelTrainer(TinyOptions(), messages.Add).Train(SmallSynthetic());
        result.Backbone.Dispose();
        string memory = Assert.Single(messages, m => m.StartsWith("Memory:", StringComparison.Ordinal));
        Assert.Contains("memory buffer", memory, StringComparison.Ordinal);
        Assert.Contains("not included", memory, StringComparison.Ordinal);
        if (OperatingSystem.IsLinux())
        {
            // A .NET process with libtorch loaded is far above 10 MB, and the mark never falls.
            Assert.All(result.Epochs, e => Assert.True(e.PeakResidentBytes > 10L << 20, $"epoch {e.Epoch}: {e.PeakResidentBytes}"));
            Assert.True(result.Epochs[1].PeakResidentBytes >= result.Epochs[0].PeakResidentBytes);
        }
    }
}
