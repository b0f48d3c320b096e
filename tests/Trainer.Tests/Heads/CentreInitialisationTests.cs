using KappaFace.MLNet.Trainer.Heads;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace KappaFace.MLNet.Trainer.Tests.Heads;

/// <summary>
/// Tests that reseed torch's global generator and rely on the exact draws that follow: they must not run while
/// other tests draw from it.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GlobalGeneratorGroup
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Global torch generator";
}

[Collection(GlobalGeneratorGroup.Name)]
public class CentreInitialisationTests
{
    [Fact]
    public void Centres_are_drawn_from_the_global_generator_with_std_001_and_survive_the_callers_scope()
    {
        MarginSoftmaxHead first;
        using (torch.NewDisposeScope())
        {
            torch.manual_seed(42);
            first = new MarginSoftmaxHead(300, 64, 64, new ArcFaceMargin(0.5));
        }

        using (first)
        using (var scope = torch.NewDisposeScope())
        {
            torch.manual_seed(42);
            using var second = new MarginSoftmaxHead(300, 64, 64, new ArcFaceMargin(0.5));
            Assert.True(first.Centres.equal(second.Centres).all().item<bool>(), "same seed, same centres");
            var values = TestData.ToVector(first.Centres.flatten());
            var mean = values.Average();
            var std = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1));
            Assert.InRange(mean, -1e-3, 1e-3);
            Assert.InRange(std, 0.0097, 0.0103);
            Assert.True(first.Centres.requires_grad);
            Assert.Single(first.parameters());
        }
    }

    [Fact]
    public void Converting_the_head_converts_the_centres_it_exposes()
    {
        using var head = new MarginSoftmaxHead(3, 4, 64, new ArcFaceMargin(0.5));
        head.to(ScalarType.Float64);
        Assert.Equal(ScalarType.Float64, head.Centres.dtype);
        Assert.Same(head.parameters().Single(), head.Centres);
    }
}
