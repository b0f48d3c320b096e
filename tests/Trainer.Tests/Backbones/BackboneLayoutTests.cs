using KappaFace.MLNet.Trainer.Backbones;
using Xunit;
using static TorchSharp.torch;

namespace KappaFace.MLNet.Trainer.Tests.Backbones;

/// <summary>State-dict keys are a contract with checkpoints and the ONNX exporter.</summary>
public class BackboneLayoutTests
{
    private static Dictionary<string, long[]> Shapes(nn.Module net)
        => net.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);

    [Fact]
    public void IResNet_keys_follow_the_insightface_block_naming()
    {
        using var scope = NewDisposeScope();
        using var net = new IResNet(BackboneKind.IResNet18, 32, 64);
        var shapes = Shapes(net);
        Assert.Equal([64, 3, 3, 3], shapes["stem.conv.weight"]);
        Assert.Equal([64], shapes["stem.prelu.weight"]);
        Assert.Equal([64], shapes["layer1.0.bn1.weight"]);
        Assert.Equal([64, 64, 3, 3], shapes["layer1.0.conv1.weight"]);
        Assert.Equal([64], shapes["layer1.0.prelu.weight"]);
        Assert.Equal([64, 64, 1, 1], shapes["layer1.0.downsample.conv.weight"]);
        Assert.Equal([128, 64, 3, 3], shapes["layer2.0.conv1.weight"]);
        Assert.Equal([512], shapes["layer4.1.bn3.running_mean"]);
        Assert.False(shapes.ContainsKey("layer4.1.downsample.conv.weight"), "a shape-keeping block got a projection");
        Assert.Equal([512], shapes["output_bn.weight"]);
        Assert.Equal([64, 512 * 2 * 2], shapes["head.fc.weight"]);
        Assert.Equal([64], shapes["head.fc.bias"]);
        Assert.Equal([64], shapes["head.features.weight"]);
        Assert.Equal([64], shapes["head.features.running_var"]);
        Assert.DoesNotContain(shapes.Keys, k => k.Contains('<', StringComparison.Ordinal) || k.Contains("BackingField", StringComparison.Ordinal));
    }

    [Fact]
    public void MobileFaceNet_keys_and_gdc_kernel()
    {
        using var scope = NewDisposeScope();
        using var net = new MobileFaceNet(64, 128);
        var shapes = Shapes(net);
        Assert.Equal([64, 3, 3, 3], shapes["stem.conv.weight"]);
        Assert.Equal([64, 1, 3, 3], shapes["stem_dw.conv.weight"]);
        Assert.Equal([128, 64, 1, 1], shapes["layer1.0.expand.conv.weight"]);
        Assert.Equal([128, 1, 3, 3], shapes["layer1.0.depthwise.conv.weight"]);
        Assert.Equal([64, 128, 1, 1], shapes["layer1.4.project.conv.weight"]);
        Assert.Equal([128, 256, 1, 1], shapes["layer2.6.project.conv.weight"]);
        Assert.Equal([512, 1, 3, 3], shapes["layer3.0.depthwise.conv.weight"]);
        Assert.Equal([128], shapes["layer3.2.project.bn.bias"]);
        Assert.False(shapes.ContainsKey("layer3.3.project.conv.weight"));
        Assert.Equal([512], shapes["conv_sep.prelu.weight"]);
        Assert.Equal([512, 1, 4, 4], shapes["gdc.conv.weight"]); // the GDC kernel is S/16
        Assert.Equal([128, 512], shapes["head.fc.weight"]);
        Assert.False(shapes.ContainsKey("head.fc.bias"));
        Assert.Equal([128], shapes["head.features.bias"]);
    }

    [Fact]
    public void MobileFaceNet_residuals_are_exactly_the_shape_keeping_bottlenecks()
    {
        using var scope = NewDisposeScope();
        using var net = new MobileFaceNet(32, 16);
        var blocks = net.modules().OfType<DepthwiseBottleneck>().ToList();
        Assert.Equal(3 + 4 + 6 + 2, blocks.Count);
        Assert.Equal(12, blocks.Count(b => b.IsResidual));
    }

    [Fact]
    public void Tiny_keys()
    {
        using var scope = NewDisposeScope();
        using var net = new TinyFaceNet(48, 32);
        var shapes = Shapes(net);
        Assert.Equal([16, 3, 3, 3], shapes["body.0.conv.weight"]);
        Assert.Equal([64], shapes["body.3.prelu.weight"]);
        Assert.Equal([32, 64 * 3 * 3], shapes["head.fc.weight"]);
    }

    [Fact]
    public void IResNet_initialisation_matches_insightface()
    {
        using var scope = NewDisposeScope();
        using var net = new IResNet(BackboneKind.IResNet18, 32, 64);
        var p = net.named_parameters().ToDictionary(x => x.name, x => x.parameter);
        // N(0, 0.1) on 128*128*9 = 147k values: the sample std is within 1% of 0.1.
        Assert.InRange(p["layer2.1.conv2.weight"].std().item<float>(), 0.099, 0.101);
        Assert.InRange(p["layer2.1.conv2.weight"].mean().item<float>(), -0.002, 0.002);
        Assert.True(p["layer3.0.bn2.weight"].eq(1).all().item<bool>());
        Assert.True(p["layer3.0.bn2.bias"].eq(0).all().item<bool>());
        Assert.True(p["stem.prelu.weight"].eq(0.25f).all().item<bool>());
    }

    [Fact]
    public void MobileFaceNet_initialisation_is_he_normal_fan_out()
    {
        using var scope = NewDisposeScope();
        using var net = new MobileFaceNet(32, 512);
        var p = net.named_parameters().ToDictionary(x => x.name, x => x.parameter);
        // Fan-out of a 1x1 conv to 256 channels is 256: std sqrt(2/256).
        var expected = Math.Sqrt(2.0 / 256);
        Assert.InRange(p["layer2.1.expand.conv.weight"].std().item<float>(), 0.97 * expected, 1.03 * expected);
        var fcExpected = Math.Sqrt(2.0 / 512);
        Assert.InRange(p["head.fc.weight"].std().item<float>(), 0.98 * fcExpected, 1.02 * fcExpected);
    }
}
