using KappaFace.MLNet.Trainer.Backbones;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace KappaFace.MLNet.Trainer.Tests.Backbones;

public class BackboneShapeTests
{
    public static TheoryData<BackboneKind, int, int> Cases => new()
    {
        { BackboneKind.Tiny, 112, 512 },
        { BackboneKind.Tiny, 32, 64 },
        { BackboneKind.Tiny, 48, 64 },
        { BackboneKind.MobileFaceNet, 112, 512 },
        { BackboneKind.MobileFaceNet, 64, 128 },
        { BackboneKind.MobileFaceNet, 48, 128 },
        { BackboneKind.IResNet18, 112, 512 },
        { BackboneKind.IResNet18, 48, 128 },
        { BackboneKind.IResNet34, 112, 512 },
        { BackboneKind.IResNet50, 112, 512 },
        // IResNet-100 at 112 is ~12 GFLOP per image; its layout is the same code path, so a small input suffices.
        { BackboneKind.IResNet100, 32, 128 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Output_is_batch_by_embedding_in_train_and_eval_mode(BackboneKind kind, int size, int embedding)
    {
        using var scope = NewDisposeScope();
        using var net = BackboneFactory.Create(kind, size, embedding);
        Assert.Equal(kind, net.Kind);
        Assert.Equal(size, net.InputSize);
        Assert.Equal(embedding, net.EmbeddingSize);

        using var _ = no_grad();
        var input = BackboneTestKit.RandomBatch(2, size);
        foreach (var training in new[] { true, false })
        {
            net.train(training);
            var output = net.call(input);
            Assert.Equal(new long[] { 2, embedding }, output.shape);
            Assert.Equal(ScalarType.Float32, output.dtype);
            Assert.True(output.isfinite().all().item<bool>(), $"non-finite output in {(training ? "train" : "eval")} mode");
            // Different images must give different embeddings (a collapsed network would not).
            Assert.False(output[0].allclose(output[1]), "both images gave the same embedding");
        }
    }

    [Fact]
    public void Eval_mode_is_deterministic_and_independent_of_batch_companions()
    {
        using var scope = NewDisposeScope();
        using var net = new MobileFaceNet(64, 128);
        net.eval();
        using var _ = no_grad();
        var a = BackboneTestKit.RandomBatch(2, 64);
        var b = BackboneTestKit.RandomBatch(2, 64);
        var first = net.call(cat([a[0].unsqueeze(0), b[0].unsqueeze(0)]));
        var second = net.call(cat([a[0].unsqueeze(0), a[1].unsqueeze(0)]));
        // Eval mode uses running statistics, so an image's embedding cannot depend on the rest of the batch.
        Assert.True(first[0].allclose(second[0], rtol: 1e-5, atol: 1e-5));
    }

    [Fact]
    public void Wrong_input_size_fails_loudly()
    {
        using var scope = NewDisposeScope();
        using var net = new TinyFaceNet(32, 64);
        using var _ = no_grad();
        // The flattened length no longer matches the head's linear layer.
        Assert.ThrowsAny<Exception>(() => net.call(BackboneTestKit.RandomBatch(1, 64)));
    }
}
