using KappaFace.MLNet.Trainer.Concentration;
using KappaFace.MLNet.Trainer.Tests.Heads;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace KappaFace.MLNet.Trainer.Tests.Concentration;

public class MomentumEncoderTests
{
    private static Dictionary<string, double[]> Snapshot(IEnumerable<(string Name, Tensor Value)> tensors)
        => tensors.ToDictionary(t => t.Name, t => TestData.ToVector(t.Value.flatten()));

    private static Dictionary<string, double[]> Parameters(TinyTestBackbone b) => Snapshot(b.named_parameters().Select(p => (p.Item1, (Tensor)p.Item2)));

    private static Dictionary<string, double[]> Buffers(TinyTestBackbone b) => Snapshot(b.named_buffers().Select(p => (p.Item1, p.Item2)));

    /// <summary>Moves the online network: new parameter values, and new BatchNorm statistics from a train-mode forward.</summary>
    private static void Train(TinyTestBackbone online, int seed)
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(seed);
        online.train();
        online.call(torch.randn(5, 3, TinyTestBackbone.Side, TinyTestBackbone.Side) * 2 + 1);
        using var noGrad = torch.no_grad();
        foreach (var (_, p) in online.named_parameters())
        {
            p.add_(torch.randn_like(p) * 0.1);
        }
    }

    [Fact]
    public void Construction_copies_the_online_network_and_freezes_the_twin_in_eval_mode()
    {
        torch.manual_seed(1);
        using var online = new TinyTestBackbone();
        Train(online, 2);
        using var encoder = new MomentumEncoder(new TinyTestBackbone(), online, 0.9, tracksBatchNorm: true);
        var twin = (TinyTestBackbone)encoder.Twin;
        Assert.Equal(Parameters(online), Parameters(twin));
        Assert.Equal(Buffers(online), Buffers(twin));
        Assert.False(twin.training);
        Assert.All(twin.parameters(), p => Assert.False(p.requires_grad));
        Assert.All(online.parameters(), p => Assert.True(p.requires_grad));
    }

    [Theory]
    [InlineData(true, 0.9)]
    [InlineData(false, 0.9)]
    [InlineData(true, 0.5)]
    public void Step_is_an_EMA_of_parameters_and_of_BatchNorm_buffers_only_when_tracked(bool tracksBatchNorm, double m)
    {
        torch.manual_seed(3);
        using var online = new TinyTestBackbone();
        using var encoder = new MomentumEncoder(new TinyTestBackbone(), online, m, tracksBatchNorm);
        var twin = (TinyTestBackbone)encoder.Twin;
        for (var step = 0; step < 2; step++)
        {
            Train(online, 10 + step);
            var twinParameters = Parameters(twin);
            var twinBuffers = Buffers(twin);
            var onlineParameters = Parameters(online);
            var onlineBuffers = Buffers(online);

            encoder.Step(online);

            foreach (var (name, values) in Parameters(twin))
            {
                var expected = twinParameters[name].Zip(onlineParameters[name], (k, q) => m * k + (1 - m) * q).ToArray();
                Close.Equal(expected, values, 1e-6, name);
            }

            foreach (var (name, values) in Buffers(twin))
            {
                var isCounter = name.EndsWith("num_batches_tracked", StringComparison.Ordinal);
                var expected = !tracksBatchNorm
                    ? twinBuffers[name]
                    : isCounter
                        ? onlineBuffers[name]
                        : twinBuffers[name].Zip(onlineBuffers[name], (k, q) => m * k + (1 - m) * q).ToArray();
                Close.Equal(expected, values, tracksBatchNorm ? 1e-6 : 0, name);
            }
        }

        var runningMean = Buffers(twin).Single(b => b.Key.EndsWith("running_mean", StringComparison.Ordinal)).Value;
        Assert.Equal(!tracksBatchNorm, runningMean.All(v => v == 0));
    }

    [Fact]
    public void Embed_returns_unit_vectors_of_the_twin_in_eval_mode_without_grad()
    {
        torch.manual_seed(4);
        using var online = new TinyTestBackbone();
        Train(online, 5);
        using var encoder = new MomentumEncoder(new TinyTestBackbone(), online, 0.9, true);
        encoder.Twin.train();
        using var scope = torch.NewDisposeScope();
        var images = torch.randn(3, 3, TinyTestBackbone.Side, TinyTestBackbone.Side);
        var embedded = encoder.Embed(images);
        Assert.False(embedded.requires_grad);
        Assert.False(encoder.Twin.training);
        online.eval();
        var expected = TestData.ToRows(online.call(images)).Select(TestData.Normalised).ToArray();
        Close.Rows(expected, TestData.ToRows(embedded), 1e-6, "embeddings");
    }

    [Fact]
    public void Save_and_Load_round_trip_exactly()
    {
        torch.manual_seed(6);
        using var online = new TinyTestBackbone();
        using var saved = new MomentumEncoder(new TinyTestBackbone(), online, 0.9, true);
        Train(online, 7);
        saved.Step(online);

        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            saved.Save(writer);
        }

        stream.Position = 0;
        using var otherOnline = new TinyTestBackbone();
        using var loaded = new MomentumEncoder(new TinyTestBackbone(), otherOnline, 0.9, true);
        using (var reader = new BinaryReader(stream))
        {
            loaded.Load(reader);
        }

        Assert.Equal(Parameters((TinyTestBackbone)saved.Twin), Parameters((TinyTestBackbone)loaded.Twin));
        Assert.Equal(Buffers((TinyTestBackbone)saved.Twin), Buffers((TinyTestBackbone)loaded.Twin));
        Assert.All(loaded.Twin.parameters(), p => Assert.False(p.requires_grad));
    }

    [Fact]
    public void A_twin_of_another_architecture_is_rejected()
    {
        using var online = new TinyTestBackbone(embeddingSize: 6);
        using var wrong = new TinyTestBackbone(embeddingSize: 7);
        Assert.Throws<ArgumentException>(() => new MomentumEncoder(wrong, online, 0.9, true));
        Assert.Throws<ArgumentException>(() => new MomentumEncoder(online, online, 0.9, true));
        using var twin = new TinyTestBackbone();
        Assert.Throws<ArgumentOutOfRangeException>(() => new MomentumEncoder(twin, online, 1.2, true));
    }
}
