using KappaFace.MLNet.Trainer.Backbones;
using KappaFace.MLNet.Trainer.Data;
using KappaFace.MLNet.Trainer.Heads;
using KappaFace.MLNet.Trainer.Training;
using KappaFace.MLNet.Data;
using KappaFace.MLNet.Synthetic;
using TorchSharp;

namespace KappaFace.MLNet.Trainer.Tests.Training;

/// <summary>Small, fast training setups shared by the trainer tests.</summary>
internal static class TrainingFixtures
{
    public static FaceImageSet SmallSynthetic(int identities = 12, int size = 32, int seed = 5) =>
        SyntheticFaces.Generate(new SyntheticFaceOptions
        {
            Identities = identities, ImageSize = size, Seed = seed, MaxImagesPerIdentity = 10, MinImagesPerIdentity = 3,
        });

    public static FaceTrainerOptions TinyOptions(MarginLossKind loss = MarginLossKind.KappaFace, int epochs = 2, int size = 32) => new()
    {
        Backbone = BackboneKind.Tiny,
        ImageSize = size,
        EmbeddingSize = 32,
        Epochs = epochs,
        BatchSize = 8,
        LearningRate = 0.05,
        Seed = 3,
        Device = "cpu",
        Margin = new MarginOptions { Loss = loss, Scale = 16 },
    };

    /// <summary>
    /// Trains with a checkpoint folder under <paramref name="folder"/>, cancels once step <paramref name="stopAfter"/>
    /// is reported, then trains again with <c>Resume</c> to the end; returns the resumed run's result.
    /// </summary>
    public static TrainingResult InterruptedThenResumed(FaceTrainerOptions options, Func<ITrainingImages> data, int stopAfter, string folder)
    {
        var interrupted = options with { CheckpointDirectory = Path.Combine(folder, "ckpt") };
        using (var cts = new CancellationTokenSource())
        {
            var stop = new StepProgress(p =>
            {
                if (p.GlobalStep == stopAfter)
                {
                    cts.Cancel();
                }
            });
            Xunit.Assert.Throws<OperationCanceledException>(() =>
                new FaceModelTrainer(interrupted).Train(data(), progress: stop, cancellationToken: cts.Token));
        }

        return new FaceModelTrainer(interrupted with { Resume = true }).Train(data());
    }

    /// <summary>Calls an action for every progress report, on the reporting thread.</summary>
    public sealed class StepProgress(Action<TrainingProgress> action) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => action(value);
    }

    /// <summary>Largest absolute difference between two modules' parameters and buffers, by state-dict key.</summary>
    public static double MaxStateDifference(torch.nn.Module a, torch.nn.Module b)
    {
        var sa = a.state_dict();
        var sb = b.state_dict();
        if (!sa.Keys.Order().SequenceEqual(sb.Keys.Order()))
        {
            throw new InvalidOperationException("The modules have different state-dict keys.");
        }
        double max = 0;
        foreach (var (key, tensor) in sa)
        {
            using var diff = (tensor.to_type(torch.float64) - sb[key].to_type(torch.float64)).abs().max();
            max = Math.Max(max, diff.item<double>());
        }
        return max;
    }
}
