using KappaFace.MLNet.Trainer.Concentration;
using KappaFace.MLNet.Trainer.Heads;
using KappaFace.MLNet.Trainer.Tests.Heads;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace KappaFace.MLNet.Trainer.Tests.Concentration;

public class MemoryBufferTests
{
    private const int Images = 12;
    private const int Dim = 6;

    [Fact]
    public void Starts_uniform_in_plus_minus_a_unnormalised_and_seeded()
    {
        using var memory = new MemoryBuffer(2000, 48, 0.9, MomentumConvention.NewFeature, seed: 3);
        using var same = new MemoryBuffer(2000, 48, 0.9, MomentumConvention.NewFeature, seed: 3);
        using var other = new MemoryBuffer(2000, 48, 0.9, MomentumConvention.NewFeature, seed: 4);
        var a = 1 / Math.Sqrt(48 / 3.0);
        Assert.Equal(a, MemoryBuffer.InitialBound(48), 15);
        var values = TestData.ToVector(memory.Rows.flatten());
        Assert.All(values, v => Assert.InRange(v, -a, a));
        // Uniform on [-a, a]: variance a^2 / 3, so the mean squared row norm is D a^2 / 3 = 1.
        Assert.InRange(values.Average(), -0.01, 0.01);
        Assert.InRange(values.Sum(v => v * v) / values.Length, a * a / 3 * 0.97, a * a / 3 * 1.03);
        var norms = TestData.ToRows(memory.Rows).Select(r => Math.Sqrt(r.Sum(v => v * v))).ToArray();
        Assert.Contains(norms, n => Math.Abs(n - 1) > 0.05);
        Assert.True(memory.Rows.equal(same.Rows).all().item<bool>());
        Assert.False(memory.Rows.equal(other.Rows).all().item<bool>());
    }

    [Theory]
    [InlineData(MomentumConvention.NewFeature, 0.9)]
    [InlineData(MomentumConvention.OldMemory, 0.9)]
    [InlineData(MomentumConvention.NewFeature, 0.3)]
    public void Update_blends_renormalises_and_writes_back_only_the_batch_rows(MomentumConvention convention, double momentum)
    {
        using var memory = new MemoryBuffer(Images, Dim, momentum, convention, seed: 8);
        var before = TestData.ToRows(memory.Rows);
        var features = TestData.UnitRows(new Random(2), 3, Dim);
        var indices = new long[] { 7, 2, 10 };

        double[][] returned;
        using (var scope = torch.NewDisposeScope())
        {
            returned = TestData.ToRows(memory.Update(TestData.Labels(indices), TestData.ToTensor(features)));
        }

        // Code: v = (1 - mu) M[i] + mu x (mu on the new feature); CRD / paper: v = mu M[i] + (1 - mu) x.
        var onNew = convention == MomentumConvention.NewFeature ? momentum : 1 - momentum;
        var expected = indices.Select((index, b) => TestData.Normalised(
            before[index].Select((old, d) => (1 - onNew) * old + onNew * features[b][d]).ToArray())).ToArray();
        Close.Rows(expected, returned, 1e-6, "returned rows");
        var after = TestData.ToRows(memory.Rows);
        for (var i = 0; i < Images; i++)
        {
            var b = Array.IndexOf(indices, (long)i);
            Close.Equal(b >= 0 ? expected[b] : before[i], after[i], b >= 0 ? 1e-6 : 0, $"row {i}");
        }
    }

    [Fact]
    public void Code_convention_keeps_ninety_percent_of_the_new_feature()
    {
        using var memory = new MemoryBuffer(Images, Dim, 0.9, MomentumConvention.NewFeature, seed: 1);
        Assert.Equal(0.9, memory.NewFeatureWeight);
        using var crd = new MemoryBuffer(Images, Dim, 0.9, MomentumConvention.OldMemory, seed: 1);
        Assert.Equal(0.1, crd.NewFeatureWeight, 15);
    }

    [Fact]
    public void Save_and_Load_round_trip_exactly()
    {
        using var saved = new MemoryBuffer(Images, Dim, 0.9, MomentumConvention.NewFeature, seed: 5);
        using (var scope = torch.NewDisposeScope())
        {
            saved.Update(TestData.Labels(1, 4), TestData.ToTensor(TestData.UnitRows(new Random(1), 2, Dim), ScalarType.Float32));
        }

        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            saved.Save(writer);
        }

        stream.Position = 0;
        using var loaded = new MemoryBuffer(Images, Dim, 0.9, MomentumConvention.NewFeature, seed: 6);
        using (var reader = new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            loaded.Load(reader);
        }

        Assert.Equal(saved.Rows.bytes.ToArray(), loaded.Rows.bytes.ToArray());

        stream.Position = 0;
        using var smaller = new MemoryBuffer(Images - 1, Dim, 0.9, MomentumConvention.NewFeature, seed: 6);
        using var again = new BinaryReader(stream);
        Assert.Throws<InvalidDataException>(() => smaller.Load(again));
    }

    [Fact]
    public void Invalid_arguments_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new MemoryBuffer(0, Dim, 0.9, MomentumConvention.NewFeature, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MemoryBuffer(Images, Dim, 1.5, MomentumConvention.NewFeature, 1));
        using var memory = new MemoryBuffer(Images, Dim, 0.9, MomentumConvention.NewFeature, 1);
        using var scope = torch.NewDisposeScope();
        Assert.Throws<ArgumentException>(() => memory.Update(TestData.Labels(1, 2), torch.zeros(2, Dim + 1)));
    }
}
