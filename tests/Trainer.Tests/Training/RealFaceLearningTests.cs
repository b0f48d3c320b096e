using KappaFace.MLNet.Tests.Shared;
using KappaFace.MLNet.Trainer.Backbones;
using KappaFace.MLNet.Trainer.Evaluation;
using KappaFace.MLNet.Trainer.Heads;
using KappaFace.MLNet.Trainer.Training;
using KappaFace.MLNet.Data;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;

namespace KappaFace.MLNet.Trainer.Tests.Training;

/// <summary>Training must teach the network something about real faces it has never seen.</summary>
public class RealFaceLearningTests(ITestOutputHelper output)
{
    [SkippableFact]
    public void Short_training_beats_the_untrained_network_on_held_out_identities()
    {
        string? folder = SharedData.DataSet("celeba-dev");
        Skip.If(folder is null, SharedData.MissingReason("celeba-dev"));

        const int size = 48;
        var all = FaceImageSet.LoadFolder(folder!, size);
        var (train, heldOut) = all.SplitByIdentity(0.3, seed: 11);
        var options = new FaceTrainerOptions
        {
            Backbone = BackboneKind.Tiny, ImageSize = size, EmbeddingSize = 64, Epochs = 20, BatchSize = 32,
            LearningRate = 0.1, WarmupEpochs = 1, Seed = 7, Device = "cpu",
            Margin = new MarginOptions { Loss = MarginLossKind.KappaFace, Scale = 32 },
        };
        var validator = new VerificationValidator(heldOut, 2000, seed: 3);

        torch.manual_seed(options.Seed);
        double untrained;
        using (var fresh = BackboneFactory.Create(options.Backbone, size, options.EmbeddingSize))
        {
            untrained = validator.Accuracy(fresh, torch.CPU);
        }
        var result = new FaceModelTrainer(options).Train(train);
        using var trained = result.Backbone;
        double accuracy = validator.Accuracy(trained, torch.CPU);

        output.WriteLine($"held-out identities {heldOut.ClassCount}, pairs {validator.Pairs.Count}: untrained {untrained:P1}, trained {accuracy:P1}");
        Assert.True(accuracy >= untrained + 0.08, $"trained {accuracy:P1} vs untrained {untrained:P1}");
        Assert.True(result.Epochs[^1].Loss < result.Epochs[0].Loss, "the training loss did not fall");
    }
}
