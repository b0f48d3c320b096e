using KappaFace.MLNet.Trainer.Backbones;
using KappaFace.MLNet.Trainer.Concentration;
using KappaFace.MLNet.Trainer.Heads;
using KappaFace.MLNet.Trainer.Tests.Heads;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace KappaFace.MLNet.Trainer.Tests.Concentration;

public class KappaFaceTrackerTests
{
    private const int Dim = 6;
    private static readonly long[] Counts = { 4, 3, 5 };

    [Theory]
    [InlineData(MomentumConvention.NewFeature)]
    [InlineData(MomentumConvention.OldMemory)]
    public void Memory_path_adds_the_new_memory_rows_to_the_class_sums(MomentumConvention convention)
    {
        var options = new MarginOptions { KappaFace = new KappaFaceOptions { Source = ConcentrationSource.MemoryBuffer, MomentumConvention = convention, MemoryMomentum = 0.8 } };
        using var tracker = KappaFaceTracker.Create(options, Counts, 12, Dim, null, null, seed: 2);
        Assert.Null(tracker.Encoder);
        var initial = TestData.ToRows(tracker.Memory!.Rows);
        var features = TestData.UnitRows(new Random(4), 4, Dim);
        var indices = new long[] { 9, 0, 5, 3 };
        var labels = new long[] { 2, 0, 2, 1 };
        using (var scope = torch.NewDisposeScope())
        {
            tracker.AfterOptimizerStep(null, TestData.Labels(indices), TestData.Labels(labels), TestData.ToTensor(features, ScalarType.Float32), null);
        }

        var onNew = convention == MomentumConvention.NewFeature ? 0.8 : 0.2;
        var newRows = indices.Select((index, b) => TestData.Normalised(
            initial[index].Select((old, d) => (1 - onNew) * old + onNew * features[b][d]).ToArray())).ToArray();
        var expectedSums = Enumerable.Range(0, Counts.Length).Select(c => Enumerable.Range(0, Dim)
            .Select(d => Enumerable.Range(0, labels.Length).Where(b => labels[b] == c).Sum(b => newRows[b][d])).ToArray()).ToArray();
        Close.Rows(expectedSums, TestData.ToRows(tracker.State.Sums), 1e-6, "class sums");
        Assert.Equal(new double[] { 1, 1, 2 }, TestData.ToVector(tracker.State.ObservedCounts));
    }

    [Fact]
    public void Encoder_path_steps_the_twin_then_adds_its_normalised_embeddings()
    {
        torch.manual_seed(12);
        using var online = new TinyTestBackbone(Dim);
        var options = new MarginOptions { KappaFace = new KappaFaceOptions { Source = ConcentrationSource.MomentumEncoder, EncoderMomentum = 0.5 } };
        var factoryCalls = 0;
        using var tracker = KappaFaceTracker.Create(options, Counts, 12, Dim, online, () => { factoryCalls++; return new TinyTestBackbone(Dim); }, seed: 0);
        Assert.Equal(1, factoryCalls);
        Assert.Null(tracker.Memory);
        var twin = tracker.Encoder!.Twin;
        var twinWeightBefore = TestData.ToVector(twin.parameters().First().flatten());

        using var scope = torch.NewDisposeScope();
        using (torch.no_grad())
        {
            foreach (var p in online.parameters())
            {
                p.add_(0.2);
            }
        }

        var images = torch.randn(3, 3, TinyTestBackbone.Side, TinyTestBackbone.Side);
        var labels = new long[] { 1, 1, 0 };
        tracker.AfterOptimizerStep(images, null, TestData.Labels(labels), null, online);

        var twinWeightAfter = TestData.ToVector(twin.parameters().First().flatten());
        Close.Equal(twinWeightBefore.Select(v => 0.5 * v + 0.5 * (v + 0.2)).ToArray(), twinWeightAfter, 1e-6, "EMA step happened first");
        twin.eval();
        var embedded = TestData.ToRows(twin.call(images)).Select(TestData.Normalised).ToArray();
        var sums = TestData.ToRows(tracker.State.Sums);
        Close.Equal(embedded[0].Zip(embedded[1], (a, b) => a + b).ToArray(), sums[1], 1e-6, "class 1 sum");
        Close.Equal(embedded[2], sums[0], 1e-6, "class 0 sum");
        Assert.All(sums[2], v => Assert.Equal(0, v));
    }

    [Fact]
    public void Encoder_path_requires_the_backbones()
    {
        var options = new MarginOptions { KappaFace = new KappaFaceOptions { Source = ConcentrationSource.MomentumEncoder } };
        Assert.Throws<ArgumentNullException>(() => KappaFaceTracker.Create(options, Counts, 12, Dim, null, () => new TinyTestBackbone(Dim), 0));
        using var online = new TinyTestBackbone(Dim);
        Assert.Throws<ArgumentNullException>(() => KappaFaceTracker.Create(options, Counts, 12, Dim, online, null, 0));
    }

    [Theory]
    [InlineData(ConcentrationSource.MemoryBuffer)]
    [InlineData(ConcentrationSource.MomentumEncoder)]
    public void Save_and_Load_round_trip_exactly(ConcentrationSource source)
    {
        var options = new MarginOptions { KappaFace = new KappaFaceOptions { Source = source } };
        torch.manual_seed(5);
        using var online = new TinyTestBackbone(Dim);
        FaceBackbone Twin() => new TinyTestBackbone(Dim);
        using var saved = KappaFaceTracker.Create(options, Counts, 12, Dim, online, Twin, seed: 1);
        using (var scope = torch.NewDisposeScope())
        {
            var images = torch.randn(4, 3, TinyTestBackbone.Side, TinyTestBackbone.Side);
            var features = nn.functional.normalize(online.call(images).detach(), p: 2, dim: 1);
            saved.AfterOptimizerStep(images, TestData.Labels(3, 7, 1, 11), TestData.Labels(0, 2, 2, 1), features, online);
            saved.EndEpoch();
            saved.AfterOptimizerStep(images, TestData.Labels(2, 4, 6, 8), TestData.Labels(1, 0, 2, 1), features, online);
        }

        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            saved.Save(writer);
        }

        stream.Position = 0;
        using var loaded = KappaFaceTracker.Create(options, Counts, 12, Dim, online, Twin, seed: 99);
        using (var reader = new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            loaded.Load(reader);
        }

        Assert.Equal(stream.Length, stream.Position);
        Assert.Equal(saved.State.Psi, loaded.State.Psi);
        Assert.Equal(saved.State.Sums.bytes.ToArray(), loaded.State.Sums.bytes.ToArray());
        if (source == ConcentrationSource.MemoryBuffer)
        {
            Assert.Equal(saved.Memory!.Rows.bytes.ToArray(), loaded.Memory!.Rows.bytes.ToArray());
        }
        else
        {
            foreach (var (a, b) in saved.Encoder!.Twin.parameters().Zip(loaded.Encoder!.Twin.parameters()))
            {
                Assert.Equal(a.bytes.ToArray(), b.bytes.ToArray());
            }
        }
    }

    [Fact]
    public void Load_rejects_a_checkpoint_of_the_other_source()
    {
        using var memory = KappaFaceTracker.Create(new MarginOptions(), Counts, 12, Dim, null, null, 1);
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            memory.Save(writer);
        }

        stream.Position = 0;
        using var online = new TinyTestBackbone(Dim);
        using var encoder = KappaFaceTracker.Create(new MarginOptions { KappaFace = new KappaFaceOptions { Source = ConcentrationSource.MomentumEncoder } }, Counts, 12, Dim, online, () => new TinyTestBackbone(Dim), 1);
        using var reader = new BinaryReader(stream);
        Assert.Throws<InvalidDataException>(() => encoder.Load(reader));
    }
}
