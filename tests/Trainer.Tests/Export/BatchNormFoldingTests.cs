using KappaFace.MLNet.Trainer.Export;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Xunit;

namespace KappaFace.MLNet.Trainer.Tests.Export;

/// <summary>The folding formula, against a naive recomputation and TorchSharp's own eval-mode layers.</summary>
public class BatchNormFoldingTests
{
    [Fact]
    public void Fold_matches_the_formula_per_output_channel()
    {
        // Two output channels with two weights each, bias 0.5 / -1.
        var norm = new BatchNormParameters(Gamma: [2f, 0.5f], Beta: [1f, -3f], Mean: [0.25f, 4f], Variance: [3f, 0.75f], Epsilon: 1f);
        var (weights, bias) = BatchNormFolding.Fold([1f, -2f, 3f, 4f], [0.5f, -1f], norm);

        // s0 = 2 / sqrt(3 + 1) = 1, s1 = 0.5 / sqrt(0.75 + 1) ...
        double s1 = 0.5 / Math.Sqrt(1.75);
        Assert.Equal(new[] { 1f, -2f, (float)(3 * s1), (float)(4 * s1) }, weights);
        Assert.Equal(1f * (0.5f - 0.25f) + 1f, bias[0]);
        Assert.Equal((float)(((-1 - 4) * s1) - 3), bias[1], 6);
    }

    [Fact]
    public void Fold_without_bias_uses_zero_and_rejects_mismatched_sizes()
    {
        var norm = new BatchNormParameters([1f], [0.5f], [2f], [1f], 0);
        var (_, bias) = BatchNormFolding.Fold([1f, 1f], [], norm);
        Assert.Equal(new[] { -1.5f }, bias);
        Assert.Throws<ArgumentException>(() => BatchNormFolding.Fold([1f, 1f, 1f], [], new BatchNormParameters([1f, 1f], [0f, 0f], [0f, 0f], [1f, 1f], 0)));
        Assert.Throws<ArgumentException>(() => BatchNormFolding.Fold([1f, 1f], [1f, 2f], norm));
    }

    [Fact]
    public void Folded_convolution_equals_torchsharp_conv_then_eval_batchnorm()
    {
        torch.manual_seed(3);
        using var conv = nn.Conv2d(4, 6, 3, stride: 2, padding: 1, groups: 2, bias: true);
        using var bn = nn.BatchNorm2d(6);
        using (torch.no_grad())
        {
            bn.weight!.uniform_(0.5, 1.5);
            bn.bias!.normal_(0, 1);
            bn.running_mean!.normal_(0, 1);
            bn.running_var!.uniform_(0.2, 3);
        }

        bn.eval();
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var x = torch.randn(2, 4, 9, 9);
        var expected = bn.call(conv.call(x));

        var (weights, shape, convBias, _) = LayerReader.Conv(conv, "conv");
        var (folded, foldedBias) = BatchNormFolding.Fold(weights, convBias, LayerReader.BatchNorm(bn, "bn"));
        var actual = nn.functional.conv2d(x, torch.tensor(folded, shape), torch.tensor(foldedBias), strides: [2, 2], padding: [1, 1], groups: 2);

        Assert.True(actual.allclose(expected, rtol: 1e-5, atol: 1e-5), $"max diff {(actual - expected).abs().max().item<float>()}");
    }

    [Fact]
    public void Folded_linear_equals_torchsharp_linear_then_eval_batchnorm1d()
    {
        torch.manual_seed(4);
        using var linear = nn.Linear(10, 5, hasBias: false);
        using var bn = nn.BatchNorm1d(5);
        using (torch.no_grad())
        {
            bn.bias!.normal_(0, 1);
            bn.running_mean!.normal_(0, 1);
            bn.running_var!.uniform_(0.2, 3);
        }

        bn.eval();
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var x = torch.randn(3, 10);
        var expected = bn.call(linear.call(x));

        var (weights, outFeatures, inFeatures, bias) = LayerReader.Linear(linear);
        var (folded, foldedBias) = BatchNormFolding.Fold(weights, bias, LayerReader.BatchNorm(bn, "bn"));
        var actual = x.matmul(torch.tensor(folded, outFeatures, inFeatures).t()) + torch.tensor(foldedBias);

        Assert.True(actual.allclose(expected, rtol: 1e-5, atol: 1e-5), $"max diff {(actual - expected).abs().max().item<float>()}");
    }
}
