using KappaFace.MLNet.Trainer.Concentration;
using KappaFace.MLNet.Trainer.Heads;
using KappaFace.MLNet.Trainer.Tests.Heads;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace KappaFace.MLNet.Trainer.Tests.Concentration;

public class KappaFaceStateTests
{
    private const int Dim = 8;

    /// <summary>Accumulates random unit vectors in several batches; returns them per class for naive sums.</summary>
    private static void Feed(KappaFaceState state, Random random, long[] labels)
    {
        using var scope = torch.NewDisposeScope();
        var vectors = TestData.UnitRows(random, labels.Length, state.EmbeddingSize);
        state.Accumulate(TestData.Labels(labels), TestData.ToTensor(vectors, ScalarType.Float32));
    }

    [Fact]
    public void Psi_starts_at_the_initial_value_and_margins_at_m0_times_it()
    {
        using var state = new KappaFaceState(new long[] { 4, 9, 1 }, Dim, new MarginOptions { Margin = 0.6, KappaFace = new KappaFaceOptions { InitialPsi = 0.25 } });
        Assert.All(state.Psi, p => Assert.Equal(0.25, p));
        Assert.All(state.Margins, m => Assert.Equal(0.6 * 0.25, m));
        Assert.Equal(state.Margins, TestData.ToVector(state.MarginTensor));
        Assert.Equal(ScalarType.Float64, state.MarginTensor.dtype);
        using var defaults = new KappaFaceState(new long[] { 4, 9, 1 }, Dim, new MarginOptions());
        Assert.All(defaults.Margins, m => Assert.Equal(0.8, m));
    }

    [Fact]
    public void Accumulate_adds_unit_vectors_to_their_class_sums()
    {
        using var state = new KappaFaceState(new long[] { 3, 3, 3 }, Dim, new MarginOptions());
        var random = new Random(11);
        var vectors = TestData.UnitRows(random, 5, Dim);
        var labels = new long[] { 2, 0, 2, 2, 0 };
        using (var scope = torch.NewDisposeScope())
        {
            state.Accumulate(TestData.Labels(labels), TestData.ToTensor(vectors));
        }

        var expected = Enumerable.Range(0, 3).Select(c => Enumerable.Range(0, Dim)
            .Select(d => Enumerable.Range(0, labels.Length).Where(i => labels[i] == c).Sum(i => vectors[i][d])).ToArray()).ToArray();
        Close.Rows(expected, TestData.ToRows(state.Sums), 1e-6, "sums");
        Assert.Equal(new[] { 2.0, 0, 3 }, TestData.ToVector(state.ObservedCounts));
    }

    [Theory]
    [InlineData(false, GammaConvention.Code, true)]
    [InlineData(true, GammaConvention.PaperV1, false)]
    public void EndEpoch_equals_the_math_on_the_same_sums_and_resets_them(bool divideByObserved, GammaConvention convention, bool unbiased)
    {
        var counts = new long[] { 12, 3, 7, 1, 20, 5 };
        var options = new MarginOptions { Margin = 0.7, KappaFace = new KappaFaceOptions { Temperature = 0.55, Gamma = 0.6, GammaConvention = convention, UnbiasedStd = unbiased, DivideByObservedCount = divideByObserved, KappaDimension = 512, CountScale = 1.1 } };
        using var state = new KappaFaceState(counts, Dim, options);
        var random = new Random(5);
        // Class 5 is never fed; class 3 (a singleton) gets its one vector.
        Feed(state, random, new long[] { 0, 0, 1, 2, 3, 4, 4, 4, 0, 2 });
        Feed(state, random, new long[] { 4, 0, 2, 1, 4, 4, 0, 0, 0, 2, 4 });

        var sums = TestData.ToRows(state.Sums);
        var observed = TestData.ToVector(state.ObservedCounts).Select(v => (long)v).ToArray();
        var norms = sums.Select(s => Math.Sqrt(s.Sum(v => v * v))).ToArray();
        var rbar = ConcentrationMath.ResultantLengths(norms, divideByObserved ? observed : counts);
        var kappa = ConcentrationMath.Kappa(rbar, 512, options.KappaFace.ResultantClamp);
        var wk = ConcentrationMath.ConcentrationWeights(kappa, 0.55, unbiased);
        var ws = ConcentrationMath.SampleWeights(counts, 1.1);
        var psi = ConcentrationMath.Psi(wk, ws, 0.6, convention);
        var stats = state.EndEpoch();

        Close.Relative(rbar.Select(r => double.IsNaN(r) ? -1 : r).ToArray(), stats.ResultantLengths.Select(r => double.IsNaN(r) ? -1 : r).ToArray(), 1e-12, "Rbar");
        Close.Relative(kappa, stats.Kappa, 1e-9, "kappa");
        Close.Equal(wk, stats.ConcentrationWeights, 1e-12, "w_kappa");
        Close.Equal(ws, stats.SampleWeights, 1e-15, "w_s");
        Close.Equal(psi, stats.Psi, 1e-12, "psi");
        Close.Equal(psi.Select(p => 0.7 * p).ToArray(), stats.Margins, 1e-12, "margins");
        Assert.Equal(stats.Psi, state.Psi);
        Assert.Equal(stats.Margins, state.Margins);
        Assert.Equal(state.Margins, TestData.ToVector(state.MarginTensor));
        Assert.Equal(observed, stats.ObservedCounts);
        Assert.Equal(counts, stats.Counts);
        Assert.Equal(kappa.Min(), stats.KappaMin, 9);
        Assert.Equal(kappa.Max(), stats.KappaMax, 6);
        Assert.Equal(kappa.Average(), stats.KappaMean, 6);
        Assert.Equal(1, stats.SingletonClasses);
        Assert.Equal(1, stats.UnseenClasses);
        Assert.Equal(0, stats.Kappa[5]);
        Assert.True(stats.Psi[5] > stats.Psi[0], "a never-seen class looks maximally hard");

        Assert.All(TestData.ToRows(state.Sums), row => Assert.All(row, v => Assert.Equal(0, v)));
        Assert.All(TestData.ToVector(state.ObservedCounts), v => Assert.Equal(0, v));
    }

    [Fact]
    public void Singleton_class_saturates_with_the_default_clamp_and_not_without()
    {
        var counts = new long[] { 30, 30, 1 };
        var random = new Random(9);
        var labels = Enumerable.Repeat(0L, 30).Concat(Enumerable.Repeat(1L, 30)).Append(2).ToArray();
        var vectors = TestData.UnitRows(random, labels.Length, Dim);
        KappaEpochStatistics Run(double clamp)
        {
            using var state = new KappaFaceState(counts, Dim, new MarginOptions { KappaFace = new KappaFaceOptions { ResultantClamp = clamp } });
            using var scope = torch.NewDisposeScope();
            state.Accumulate(TestData.Labels(labels), TestData.ToTensor(vectors, ScalarType.Float32));
            return state.EndEpoch();
        }

        var robust = Run(1e-6);
        Assert.Equal(1, robust.SaturatedClasses);
        Assert.Equal(Math.Max(robust.Kappa[0], robust.Kappa[1]), robust.Kappa[2]);

        // Parity: the fp32 norm of the singleton's vector is a rounding error away from 1, so its kappa is a
        // huge finite value (or, by luck, exactly +inf -> max); docs/kappaface.md (Edge cases) says the epoch statistics show it.
        var parity = Run(0);
        Assert.True(Math.Abs(parity.Kappa[2]) > 1e6 || parity.SaturatedClasses == 1, $"kappa {parity.Kappa[2]}");
    }

    [Fact]
    public void Long_tailed_rare_spread_classes_get_larger_psi_than_a_populous_tight_class()
    {
        const int dim = 16;
        var random = new Random(21);
        var counts = new long[] { 300, 3, 3, 4, 2, 150 };
        using var state = new KappaFaceState(counts, dim, new MarginOptions());
        using (var scope = torch.NewDisposeScope())
        {
            for (var c = 0; c < counts.Length; c++)
            {
                var centre = TestData.UnitRows(random, 1, dim)[0];
                // Class 0: populous and tight; 1-4: rare and spread; 5: populous and moderately spread.
                var spread = c == 0 ? 0.03 : c == 5 ? 0.15 : 1.5;
                var vectors = TestData.Gaussian(random, (int)counts[c], dim, spread)
                    .Select(v => TestData.Normalised(v.Select((x, d) => x + centre[d]).ToArray())).ToArray();
                state.Accumulate(TestData.Labels(Enumerable.Repeat((long)c, vectors.Length).ToArray()), TestData.ToTensor(vectors, ScalarType.Float32));
            }
        }

        var stats = state.EndEpoch();
        for (var c = 1; c <= 4; c++)
        {
            Assert.True(stats.Psi[c] > stats.Psi[0], $"psi[{c}] = {stats.Psi[c]} should exceed psi[0] = {stats.Psi[0]}");
            Assert.True(stats.ConcentrationWeights[c] > 0.5, "spread classes: w_kappa above 0.5");
            Assert.True(stats.SampleWeights[c] > 0.99, "rare classes: w_s near 1");
            Assert.True(stats.Kappa[c] < stats.Kappa[5] && stats.Kappa[5] < stats.Kappa[0], "kappa orders by tightness");
        }

        Assert.True(stats.ConcentrationWeights[0] < 0.5);
        Assert.True(stats.Psi[5] > stats.Psi[0], "less tight and less populous than class 0");
        Assert.True(stats.Margins[1] > stats.Margins[0]);
    }

    [Fact]
    public void Save_and_Load_round_trip_exactly()
    {
        var counts = new long[] { 5, 2, 8, 3 };
        using var saved = new KappaFaceState(counts, Dim, new MarginOptions());
        var random = new Random(17);
        Feed(saved, random, new long[] { 0, 1, 2, 2, 3, 0 });
        saved.EndEpoch();
        Feed(saved, random, new long[] { 3, 2, 0 });

        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            saved.Save(writer);
        }

        stream.Position = 0;
        using var loaded = new KappaFaceState(counts, Dim, new MarginOptions());
        using (var reader = new BinaryReader(stream))
        {
            loaded.Load(reader);
        }

        Assert.Equal(saved.Psi.Select(BitConverter.DoubleToInt64Bits), loaded.Psi.Select(BitConverter.DoubleToInt64Bits));
        Assert.Equal(saved.Margins.Select(BitConverter.DoubleToInt64Bits), loaded.Margins.Select(BitConverter.DoubleToInt64Bits));
        Assert.Equal(saved.Sums.bytes.ToArray(), loaded.Sums.bytes.ToArray());
        Assert.Equal(saved.ObservedCounts.bytes.ToArray(), loaded.ObservedCounts.bytes.ToArray());
        Assert.Equal(saved.MarginTensor.bytes.ToArray(), loaded.MarginTensor.bytes.ToArray());
        Assert.NotEqual(1.0, loaded.Psi[0]);
        // The next epoch is computed identically.
        Assert.Equal(saved.EndEpoch().Psi, loaded.EndEpoch().Psi);
    }

    [Fact]
    public void Load_rejects_a_state_of_another_shape()
    {
        using var saved = new KappaFaceState(new long[] { 5, 2 }, Dim, new MarginOptions());
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            saved.Save(writer);
        }

        stream.Position = 0;
        using var other = new KappaFaceState(new long[] { 5, 2, 1 }, Dim, new MarginOptions());
        using var reader = new BinaryReader(stream);
        Assert.Throws<InvalidDataException>(() => other.Load(reader));
    }

    [Fact]
    public void Long_lived_tensors_survive_the_callers_dispose_scope()
    {
        KappaFaceState state;
        using (torch.NewDisposeScope())
        {
            state = new KappaFaceState(new long[] { 2, 2 }, Dim, new MarginOptions());
        }

        using (state)
        {
            Feed(state, new Random(1), new long[] { 0, 1 });
            Assert.Equal(2, state.EndEpoch().ObservedCounts.Sum());
        }
    }

    [Fact]
    public void Invalid_construction_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => new KappaFaceState(Array.Empty<long>(), Dim, new MarginOptions()));
        Assert.Throws<ArgumentException>(() => new KappaFaceState(new long[] { 0, 0 }, Dim, new MarginOptions()));
        Assert.Throws<ArgumentOutOfRangeException>(() => new KappaFaceState(new long[] { 1 }, Dim, new MarginOptions { KappaFace = new KappaFaceOptions { Gamma = 2 } }));
    }
}
