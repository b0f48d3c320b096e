using KappaFace.MLNet.Trainer.Backbones;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace KappaFace.MLNet.Trainer.Tests.Backbones;

// The fit test seeds the global generator; keep it away from tests drawing from it in parallel.
[Collection(nameof(GlobalGeneratorUsers))]
public class BackboneTrainingStepTests
{
    [Theory]
    [InlineData(BackboneKind.Tiny, 32, 64)]
    [InlineData(BackboneKind.MobileFaceNet, 112, 128)]
    public void One_sgd_step_gives_finite_gradients_and_moves_every_trainable_weight(BackboneKind kind, int size, int embedding)
    {
        using var scope = NewDisposeScope();
        using var net = BackboneFactory.Create(kind, size, embedding);
        net.train();
        var before = BackboneTestKit.Snapshot(net);
        // Plain SGD without weight decay, so a weight moves only if its gradient is non-zero.
        using var optimizer = optim.SGD(net.parameters().Where(p => p.requires_grad), 0.05);
        var input = BackboneTestKit.RandomBatch(4, size);
        var labels = tensor(new long[] { 0, 1, 2, 3 });
        var classifier = randn(embedding, 4) / Math.Sqrt(embedding);

        optimizer.zero_grad();
        var loss = nn.functional.cross_entropy(net.call(input).matmul(classifier), labels);
        Assert.True(loss.isfinite().item<bool>());
        loss.backward();

        foreach (var (name, parameter) in net.named_parameters().Where(p => p.parameter.requires_grad))
        {
            Assert.True(parameter.grad is not null, $"{name} has no gradient");
            Assert.True(parameter.grad.isfinite().all().item<bool>(), $"{name} has a non-finite gradient");
        }

        optimizer.step();
        foreach (var (name, parameter) in net.named_parameters())
        {
            var moved = !BackboneTestKit.Identical(parameter, before[name]);
            Assert.True(moved == parameter.requires_grad, $"{name}: moved = {moved}, trainable = {parameter.requires_grad}");
        }
    }

    [Fact]
    public void Tiny_net_fits_a_fixed_batch()
    {
        using var scope = NewDisposeScope();
        manual_seed(7);
        using var net = new TinyFaceNet(32, 32);
        net.train();
        using var optimizer = optim.SGD(net.parameters(), 0.05, momentum: 0.9);
        var input = BackboneTestKit.RandomBatch(8, 32);
        var labels = arange(8, dtype: ScalarType.Int64) % 4;
        var classifier = randn(32, 4) / Math.Sqrt(32);

        double Step()
        {
            using var stepScope = NewDisposeScope();
            optimizer.zero_grad();
            var loss = nn.functional.cross_entropy(net.call(input).matmul(classifier), labels);
            loss.backward();
            optimizer.step();
            return loss.item<float>();
        }

        var first = Step();
        var last = first;
        for (var i = 0; i < 15; i++)
        {
            last = Step();
        }

        Assert.True(last < 0.5 * first, $"loss went from {first} to {last}");
    }
}
