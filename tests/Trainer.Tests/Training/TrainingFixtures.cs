using KappaFace.MLNet.Trainer.Backbones;
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
