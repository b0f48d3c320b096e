using KappaFace.MLNet.Trainer.Backbones;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace KappaFace.MLNet.Trainer.Tests.Backbones;

/// <summary>
/// Each block's eval-mode forward against a naive recomputation written from the published layer order,
/// using only the block's weights. Catches wrong order, a stride on the wrong convolution, a missing
/// or extra activation, or a wrong shortcut, none of which a shape or count test can see.
/// </summary>
public class BlockRecomputationTests
{
    private static Dictionary<string, Tensor> Randomised(nn.Module block)
    {
        // Non-trivial batch-norm state, so a skipped or misplaced norm changes the result.
        using (no_grad())
        {
            foreach (var (name, buffer) in block.named_buffers())
            {
                if (name.EndsWith("running_mean", StringComparison.Ordinal)) buffer.copy_(randn_like(buffer) * 0.2);
                if (name.EndsWith("running_var", StringComparison.Ordinal)) buffer.copy_(rand_like(buffer) + 0.5);
            }

            foreach (var (name, parameter) in block.named_parameters())
            {
                if (name.Contains("bn", StringComparison.Ordinal) || name.Contains("prelu", StringComparison.Ordinal))
                {
                    parameter.copy_(rand_like(parameter) + 0.5);
                }
            }
        }

        block.eval();
        return block.state_dict();
    }

    private static Tensor Bn(Tensor x, Dictionary<string, Tensor> w, string prefix)
    {
        Tensor Channel(string key) => w[$"{prefix}.{key}"].reshape(1, -1, 1, 1);
        return (x - Channel("running_mean")) / (Channel("running_var") + 1e-5).sqrt() * Channel("weight") + Channel("bias");
    }

    private static Tensor Prelu(Tensor x, Tensor slopes) => x.clamp_min(0) + slopes.reshape(1, -1, 1, 1) * x.clamp_max(0);

    private static Tensor Conv(Tensor x, Tensor weight, long stride, long padding, long groups = 1)
        => nn.functional.conv2d(x, weight, strides: [stride, stride], padding: [padding, padding], groups: groups);

    [Theory]
    [InlineData(16, 16, 1)]
    [InlineData(8, 16, 2)]
    public void IBasicBlock_is_bn_conv_bn_prelu_strided_conv_bn_plus_shortcut(int cin, int cout, int stride)
    {
        using var scope = NewDisposeScope();
        using var block = new IBasicBlock(cin, cout, stride);
        var w = Randomised(block);
        var x = randn(2, cin, 8, 8);
        using var _ = no_grad();

        var y = Bn(x, w, "bn1");
        y = Conv(y, w["conv1.weight"], 1, 1);
        y = Bn(y, w, "bn2");
        y = Prelu(y, w["prelu.weight"]);
        y = Conv(y, w["conv2.weight"], stride, 1);
        y = Bn(y, w, "bn3");
        var shortcut = block.Downsample is null
            ? x
            : Bn(Conv(x, w["downsample.conv.weight"], stride, 0), w, "downsample.bn");
        var expected = y + shortcut;

        Assert.Equal(stride != 1 || cin != cout, block.Downsample is not null);
        Assert.True(block.call(x).allclose(expected, rtol: 1e-4, atol: 1e-5));
    }

    [Theory]
    [InlineData(16, 16, 32, 1)]
    [InlineData(16, 24, 48, 2)]
    public void DepthwiseBottleneck_is_expand_depthwise_linear_projection_with_residual_when_shape_kept(
        int cin, int cout, int expanded, int stride)
    {
        using var scope = NewDisposeScope();
        using var block = new DepthwiseBottleneck(cin, cout, expanded, stride);
        var w = Randomised(block);
        var x = randn(2, cin, 8, 8);
        using var _ = no_grad();

        var y = Prelu(Bn(Conv(x, w["expand.conv.weight"], 1, 0), w, "expand.bn"), w["expand.prelu.weight"]);
        y = Prelu(Bn(Conv(y, w["depthwise.conv.weight"], stride, 1, expanded), w, "depthwise.bn"), w["depthwise.prelu.weight"]);
        y = Bn(Conv(y, w["project.conv.weight"], 1, 0), w, "project.bn");
        var expected = block.IsResidual ? y + x : y;

        Assert.Equal(stride == 1 && cin == cout, block.IsResidual);
        Assert.True(block.call(x).allclose(expected, rtol: 1e-4, atol: 1e-5));
    }

    [Fact]
    public void ConvBnPrelu_is_conv_then_bn_then_prelu()
    {
        using var scope = NewDisposeScope();
        using var unit = new ConvBnPrelu(3, 8, kernelSize: 3, stride: 2, padding: 1);
        var w = Randomised(unit);
        var x = randn(2, 3, 16, 16);
        using var _ = no_grad();
        var expected = Prelu(Bn(Conv(x, w["conv.weight"], 2, 1), w, "bn"), w["prelu.weight"]);
        Assert.True(unit.call(x).allclose(expected, rtol: 1e-4, atol: 1e-5));
    }
}
