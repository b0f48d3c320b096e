using KappaFace.MLNet.Trainer.Backbones;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace KappaFace.MLNet.Trainer.Tests.Backbones;

public class EmbeddingHeadTests
{
    public static TheoryData<BackboneKind, int> Kinds => new()
    {
        { BackboneKind.Tiny, 32 },
        { BackboneKind.MobileFaceNet, 32 },
        { BackboneKind.IResNet18, 32 },
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Every_backbone_ends_with_a_frozen_unit_scale(BackboneKind kind, int size)
    {
        using var scope = NewDisposeScope();
        using var net = BackboneFactory.Create(kind, size, 64);
        var parameters = net.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var scale = parameters["head.features.weight"];
        var shift = parameters["head.features.bias"];
        Assert.False(scale.requires_grad);
        Assert.True(shift.requires_grad);
        Assert.True(scale.eq(1).all().item<bool>());
        // No other parameter is frozen.
        Assert.Single(parameters.Values, p => !p.requires_grad);
    }

    [Fact]
    public void Scale_stays_frozen_when_the_module_changes_dtype()
    {
        using var scope = NewDisposeScope();
        using var net = new TinyFaceNet(32, 8);
        net.to(ScalarType.Float64);
        net.to(ScalarType.Float32);
        net.to(CPU);
        Assert.False(net.Head.Features.weight!.requires_grad);
        Assert.True(net.Head.Features.bias!.requires_grad);
        Assert.Equal(ScalarType.Float32, net.Head.Features.weight.dtype);
    }

    [Fact]
    public void Scale_stays_one_and_shift_trains_through_an_sgd_step_with_momentum_and_weight_decay()
    {
        using var scope = NewDisposeScope();
        using var net = new TinyFaceNet(32, 16);
        net.train();
        var scale = net.Head.Features.weight!;
        var shift = net.Head.Features.bias!;
        var shiftBefore = shift.detach().clone();
        // Hand every parameter to the optimiser, frozen one included, as a careless trainer would.
        using var optimizer = optim.SGD(net.parameters(), 0.1, momentum: 0.9, weight_decay: 5e-4);
        var target = randn(4, 16);
        for (var step = 0; step < 2; step++)
        {
            optimizer.zero_grad();
            var loss = (net.call(BackboneTestKit.RandomBatch(4, 32)) - target).pow(2).mean();
            loss.backward();
            optimizer.step();
        }

        Assert.True(scale.grad is null || scale.grad.eq(0).all().item<bool>(), "the frozen scale received a gradient");
        Assert.True(scale.eq(1).all().item<bool>(), "the frozen scale moved");
        Assert.False(shift.allclose(shiftBefore), "the shift did not train");
    }

    [Fact]
    public void Eval_output_is_affine_in_the_normalised_linear_output_with_unit_scale()
    {
        using var scope = NewDisposeScope();
        using var head = new EmbeddingHead(inFeatures: 12, embeddingSize: 5, linearBias: true);
        head.eval();
        using var _ = no_grad();
        var input = randn(3, 3, 2, 2);
        var output = head.call(input);
        var bn = head.Features;
        // Naive recomputation: flatten, linear, then (z - mean) / sqrt(var + eps) * 1 + shift.
        var z = input.reshape(3, 12).matmul(head.Fc.weight!.t()) + head.Fc.bias!;
        var expected = (z - bn.running_mean!) / (bn.running_var! + 1e-5).sqrt() + bn.bias!;
        Assert.True(output.allclose(expected, rtol: 1e-5, atol: 1e-6));
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.0)]
    [InlineData(double.NaN)]
    public void Bad_dropout_is_rejected(double dropout)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new EmbeddingHead(8, 4, true, dropout));
        Assert.Equal("dropout", e.ParamName);
    }

    [Fact]
    public void Dropout_is_active_in_train_mode_only()
    {
        using var scope = NewDisposeScope();
        using var net = BackboneFactory.Create(BackboneKind.Tiny, 32, 16, dropout: 0.5);
        using var _ = no_grad();
        var input = BackboneTestKit.RandomBatch(4, 32);
        net.train();
        var a = net.call(input);
        var b = net.call(input);
        Assert.False(a.allclose(b), "dropout 0.5 gave identical train-mode outputs");
        net.eval();
        Assert.True(net.call(input).allclose(net.call(input)));
    }
}
