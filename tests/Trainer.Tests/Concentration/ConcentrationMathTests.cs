using KappaFace.MLNet.Trainer.Concentration;
using KappaFace.MLNet.Trainer.Heads;
using KappaFace.MLNet.Trainer.Tests.Heads;
using Xunit;

namespace KappaFace.MLNet.Trainer.Tests.Concentration;

/// <summary>The known-answer vector and the edge cases of docs/kappaface.md (section 3, "Worked example" and "Edge cases").</summary>
public class ConcentrationMathTests
{
    // Inputs of the worked example in docs/kappaface.md.
    private const int D = 512;
    private const double T = 0.4;
    private const double Gamma = 0.7;
    private const double M0 = 0.8;
    private static readonly double[] Rbar = { 0.5, 0.7, 0.9, 1.0 };
    private static readonly long[] N = { 100, 50, 10, 1 };

    // The example's values are printed with 3, 4 or 6 decimals; each is checked to the precision it is printed with.
    private const double FourDecimals = 1e-4;
    private const double SixDecimals = 1e-5;

    [Theory]
    [InlineData(0.0)]
    [InlineData(1e-6)]
    public void Spec_vector_kappa(double clamp)
    {
        // With the clamp, Rbar = 1 reaches the bound and is handled exactly like the reference's +inf.
        var kappa = ConcentrationMath.Kappa(Rbar, D, clamp);
        Close.Equal(new[] { 341.1667, 702.0725, 2421.4263, 2421.4263 }, kappa, FourDecimals, "kappa");
        Assert.True(double.IsPositiveInfinity(ConcentrationMath.RawKappa(1.0, D, clamp)));
    }

    [Fact]
    public void Spec_vector_moments_and_standardised_values()
    {
        var kappa = ConcentrationMath.Kappa(Rbar, D, 0);
        var (mean, unbiased) = ConcentrationMath.Moments(kappa, unbiased: true);
        var (populationMean, population) = ConcentrationMath.Moments(kappa, unbiased: false);
        Close.Equal(1471.523, mean, 1e-3, "mu");
        Assert.Equal(mean, populationMean);
        Close.Equal(1106.7056, unbiased, FourDecimals, "sigma unbiased");
        Close.Equal(958.4352, population, FourDecimals, "sigma population");
        Close.Equal(new[] { -1.021370, -0.695262, 0.858316, 0.858316 }, ConcentrationMath.Standardize(kappa, true), SixDecimals, "kappa~");
    }

    [Fact]
    public void Spec_vector_weights_psi_and_margins()
    {
        var kappa = ConcentrationMath.Kappa(Rbar, D, 0);
        var wk = ConcentrationMath.ConcentrationWeights(kappa, T, unbiased: true);
        Close.Equal(new[] { 0.600740, 0.569082, 0.415002, 0.415002 }, wk, SixDecimals, "w_kappa");

        Assert.Equal(105, ConcentrationMath.CountCeiling(N, 1.05), 12);
        var ws = ConcentrationMath.SampleWeights(N, 1.05);
        Close.Equal(new[] { 0.005585, 0.537365, 0.977786, 0.999776 }, ws, SixDecimals, "w_s (K = 1.05 max)");
        Close.Equal(new[] { 0, 0.5, 0.975528, 0.999753 }, ConcentrationMath.SampleWeights(N, 1.0), SixDecimals, "w_s (K = max)");

        var psi = ConcentrationMath.Psi(wk, ws, Gamma, GammaConvention.Code);
        Close.Equal(new[] { 0.422193, 0.559567, 0.583837, 0.590434 }, psi, SixDecimals, "psi (code)");
        Close.Equal(new[] { 0.337755, 0.447653, 0.467070, 0.472347 }, psi.Select(p => M0 * p).ToArray(), SixDecimals, "margins");
        Close.Equal(new[] { 0.184131, 0.546880, 0.808951, 0.824344 }, ConcentrationMath.Psi(wk, ws, Gamma, GammaConvention.PaperV1), SixDecimals, "psi (paper v1)");
    }

    [Fact]
    public void Exact_Rbar_one_becomes_the_largest_finite_kappa()
    {
        var kappa = ConcentrationMath.Kappa(new[] { 0.5, 1.0, 0.3 }, D, 0);
        var expected = 0.5 * (D - 0.25) / 0.75;
        Assert.Equal(expected, kappa[1]);
        Assert.Equal(expected, kappa[0]);
    }

    [Fact]
    public void Rbar_within_rounding_of_one_gives_huge_outliers_without_the_clamp_and_the_max_with_it()
    {
        // A singleton's fp32 unit vector: norm one ulp below or two ulps above 1.
        var below = 1 - Math.Pow(2, -24);
        var above = 1 + Math.Pow(2, -23);
        double Formula(double r) => r * (D - r * r) / (1 - r * r);
        var rbar = new[] { 0.5, 0.7, 0.9, below, above };

        var parity = ConcentrationMath.Kappa(rbar, D, clamp: 0);
        Assert.Equal(Formula(below), parity[3]);
        Assert.Equal(Formula(above), parity[4]);
        Assert.True(parity[3] > 4e9, "just below 1: about +4e9");
        Assert.True(parity[4] < -2e9, "just above 1: about -2e9");
        // The outliers swamp the standard deviation: the regular classes' weights become indistinguishable
        // (with ~85k classes they all sit at ~0.5), so the kappa term switches off.
        var flattened = ConcentrationMath.ConcentrationWeights(parity, T, true);
        Assert.True(flattened.Take(3).Max() - flattened.Take(3).Min() < 1e-5, "regular classes flattened");

        var clamped = ConcentrationMath.Kappa(rbar, D, clamp: 1e-6);
        var maxFinite = Formula(0.9);
        Assert.Equal(maxFinite, clamped[3]);
        Assert.Equal(maxFinite, clamped[4]);
        var spread = ConcentrationMath.ConcentrationWeights(clamped, T, true);
        Assert.True(spread[0] - spread[2] > 0.1, "with the clamp the weights keep their spread");
    }

    [Fact]
    public void NaN_becomes_zero_and_does_not_poison_the_replacement()
    {
        var rbar = ConcentrationMath.ResultantLengths(new[] { 0.0, 3.0, 10.0 }, new long[] { 0, 6, 10 });
        Assert.True(double.IsNaN(rbar[0]), "0/0 for a class with no images");
        var kappa = ConcentrationMath.Kappa(new[] { rbar[0], rbar[1], rbar[2] }, D, 0);
        Assert.Equal(0, kappa[0]);
        Assert.Equal(0.5 * (D - 0.25) / 0.75, kappa[2]);
    }

    [Fact]
    public void Never_seen_class_has_zero_kappa()
    {
        Assert.Equal(0, ConcentrationMath.RawKappa(0, D, 0));
        Assert.Equal(0, ConcentrationMath.Kappa(new[] { 0.0, 0.6 }, D, 1e-6)[0]);
    }

    [Fact]
    public void Only_infinities_fall_back_to_zero()
    {
        Assert.Equal(new[] { 0.0, 0.0 }, ConcentrationMath.ReplaceNonFinite(new[] { double.PositiveInfinity, double.NaN }));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Zero_spread_gives_weight_one_half_instead_of_NaN(bool unbiased)
    {
        Assert.All(ConcentrationMath.ConcentrationWeights(new[] { 812.5, 812.5, 812.5 }, T, unbiased), w => Assert.Equal(0.5, w));
        Assert.All(ConcentrationMath.Standardize(new[] { 3.0, 3.0 }, unbiased), z => Assert.Equal(0, z));
        Assert.Equal(new[] { 0.5 }, ConcentrationMath.ConcentrationWeights(new[] { 42.0 }, T, unbiased));
    }

    [Fact]
    public void Weights_follow_the_formula_for_arbitrary_inputs()
    {
        var random = new Random(3);
        var kappa = Enumerable.Range(0, 9).Select(_ => random.NextDouble() * 1000).ToArray();
        var mean = kappa.Average();
        var std = Math.Sqrt(kappa.Sum(k => (k - mean) * (k - mean)) / (kappa.Length - 1));
        var expected = kappa.Select(k => 1 - 1 / (1 + Math.Exp(-0.55 * (k - mean) / std))).ToArray();
        Close.Equal(expected, ConcentrationMath.ConcentrationWeights(kappa, 0.55, true), 1e-12, "w_kappa");
        Assert.All(ConcentrationMath.Psi(expected, expected, 0.3, GammaConvention.PaperV1).Zip(expected), p => Assert.Equal(p.Second, p.First, 12));
    }

    [Fact]
    public void Mismatched_lengths_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => ConcentrationMath.Psi(new[] { 0.5 }, new[] { 0.5, 0.5 }, 0.7, GammaConvention.Code));
        Assert.Throws<ArgumentException>(() => ConcentrationMath.ResultantLengths(new[] { 1.0 }, Array.Empty<long>()));
        Assert.Throws<ArgumentException>(() => ConcentrationMath.Moments(Array.Empty<double>(), true));
    }
}
