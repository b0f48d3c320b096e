using KappaFace.MLNet.Trainer.Backbones;
using Xunit;
using static TorchSharp.torch;

namespace KappaFace.MLNet.Trainer.Tests.Backbones;

// Seeds TorchSharp's global generator, so it must not run beside other classes that draw from it.
[Collection(nameof(GlobalGeneratorUsers))]
public class BackboneDeterminismTests
{
    [Theory]
    [InlineData(BackboneKind.Tiny)]
    [InlineData(BackboneKind.MobileFaceNet)]
    [InlineData(BackboneKind.IResNet18)]
    public void Same_seed_gives_identical_parameters_and_another_seed_does_not(BackboneKind kind)
    {
        using var scope = NewDisposeScope();
        Dictionary<string, Tensor> Build(long seed)
        {
            manual_seed(seed);
            using var net = BackboneFactory.Create(kind, 32, 32);
            return BackboneTestKit.Snapshot(net);
        }

        var first = Build(1234);
        var second = Build(1234);
        var other = Build(4321);

        Assert.Equal(first.Keys, second.Keys);
        foreach (var (name, value) in first)
        {
            Assert.True(BackboneTestKit.Identical(value, second[name]), $"{name} differs between two builds with the same seed");
        }

        // Only randomly initialised tensors can differ; the convolution weights always are.
        Assert.Contains(first, p => !BackboneTestKit.Identical(p.Value, other[p.Key]));
    }
}

/// <summary>Tests in this collection run one at a time with respect to each other.</summary>
[CollectionDefinition(nameof(GlobalGeneratorUsers), DisableParallelization = true)]
public class GlobalGeneratorUsers;
