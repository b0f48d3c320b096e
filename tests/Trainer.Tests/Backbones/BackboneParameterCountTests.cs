using KappaFace.MLNet.Trainer.Backbones;
using Xunit;
using static TorchSharp.torch;

namespace KappaFace.MLNet.Trainer.Tests.Backbones;

public class BackboneParameterCountTests
{
    public static TheoryData<BackboneKind, int, int, long> Cases => new()
    {
        { BackboneKind.Tiny, 32, 64, ReferenceParameterCounts.Tiny(32, 64) },
        { BackboneKind.Tiny, 112, 512, ReferenceParameterCounts.Tiny(112, 512) },
        { BackboneKind.MobileFaceNet, 112, 512, ReferenceParameterCounts.MobileFaceNet(112, 512) },
        { BackboneKind.MobileFaceNet, 64, 128, ReferenceParameterCounts.MobileFaceNet(64, 128) },
        { BackboneKind.IResNet18, 112, 512, ReferenceParameterCounts.IResNet([2, 2, 2, 2], 112, 512) },
        { BackboneKind.IResNet34, 112, 512, ReferenceParameterCounts.IResNet([3, 4, 6, 3], 112, 512) },
        { BackboneKind.IResNet50, 112, 512, ReferenceParameterCounts.IResNet([3, 4, 14, 3], 112, 512) },
        { BackboneKind.IResNet50, 64, 256, ReferenceParameterCounts.IResNet([3, 4, 14, 3], 64, 256) },
        { BackboneKind.IResNet100, 112, 512, ReferenceParameterCounts.IResNet([3, 13, 30, 3], 112, 512) },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Count_matches_the_layer_table(BackboneKind kind, int size, int embedding, long expected)
    {
        using var scope = NewDisposeScope();
        using var net = BackboneFactory.Create(kind, size, embedding);
        Assert.Equal(expected, BackboneTestKit.CountParameters(net));
        // Everything trains except the embedding BatchNorm1d's scale (D values).
        Assert.Equal(expected - embedding, BackboneTestKit.CountTrainable(net));
    }

    [Theory]
    // Published sizes: IResNet-50 43.6M and IResNet-100 65.2M at 112x112 with D = 512 (insightface
    // model zoo / PartialFC tables); MobileFaceNet 0.99M with its paper's D = 128.
    [InlineData(BackboneKind.IResNet50, 112, 512, 43.6e6, 0.003)]
    [InlineData(BackboneKind.IResNet100, 112, 512, 65.2e6, 0.003)]
    [InlineData(BackboneKind.MobileFaceNet, 112, 128, 0.99e6, 0.025)]
    public void Count_is_close_to_the_published_size(BackboneKind kind, int size, int embedding, double published, double tolerance)
    {
        using var scope = NewDisposeScope();
        using var net = BackboneFactory.Create(kind, size, embedding);
        var count = BackboneTestKit.CountParameters(net);
        var relative = Math.Abs(count - published) / published;
        Assert.True(relative <= tolerance, $"{kind}: {count:N0} parameters, {relative:P2} from the published {published:N0}");
    }

    [Theory]
    [InlineData(32, 64)]
    [InlineData(48, 64)]
    public void Tiny_net_stays_under_100k_parameters_at_test_sizes(int size, int embedding)
    {
        using var scope = NewDisposeScope();
        using var net = new TinyFaceNet(size, embedding);
        Assert.InRange(BackboneTestKit.CountParameters(net), 10_000, 100_000);
    }
}
