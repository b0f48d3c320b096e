using KappaFace.MLNet.Trainer.Heads;
using Xunit;

namespace KappaFace.MLNet.Trainer.Tests.Heads;

public class MarginOptionsTests
{
    [Fact]
    public void Defaults_follow_the_reference_code_and_shipped_config()
    {
        var options = new MarginOptions();
        Assert.Equal(MarginLossKind.KappaFace, options.Loss);
        Assert.Equal(64, options.Scale);
        Assert.Null(options.Margin);
        Assert.Equal(0.8, options.EffectiveMargin);
        Assert.Equal(0.4, options.Temperature);
        Assert.Equal(0.7, options.Gamma);
        Assert.Equal(GammaConvention.Code, options.GammaConvention);
        Assert.Equal(0.9, options.MemoryMomentum);
        Assert.Equal(MomentumConvention.NewFeature, options.MomentumConvention);
        Assert.Equal(1.05, options.CountScale);
        Assert.True(options.UnbiasedStd);
        Assert.Equal(1.0, options.InitialPsi);
        Assert.Equal(1e-6, options.ResultantClamp);
        Assert.Equal(ConcentrationSource.MemoryBuffer, options.Source);
        Assert.Equal(0.9, options.EncoderMomentum);
        Assert.True(options.EncoderTracksBatchNorm);
        Assert.False(options.ArcFaceFallback);
        Assert.False(options.DetachMarginGradient);
        Assert.False(options.DivideByObservedCount);
        Assert.Equal(1e-7, options.ClampEpsilon);
        Assert.Null(options.KappaDimension);
        options.Validate();
    }

    [Theory]
    [InlineData(MarginLossKind.KappaFace, 0.8)]
    [InlineData(MarginLossKind.ArcFace, 0.5)]
    [InlineData(MarginLossKind.CosFace, 0.35)]
    public void Effective_margin_defaults_per_loss_and_yields_to_an_explicit_one(MarginLossKind loss, double expected)
    {
        Assert.Equal(expected, new MarginOptions { Loss = loss }.EffectiveMargin);
        Assert.Equal(0.62, new MarginOptions { Loss = loss, Margin = 0.62 }.EffectiveMargin);
    }

    public static TheoryData<string, Action<MarginOptions>> BadValues => new()
    {
        { "Loss", o => o.Loss = (MarginLossKind)7 },
        { "GammaConvention", o => o.GammaConvention = (GammaConvention)(-1) },
        { "MomentumConvention", o => o.MomentumConvention = (MomentumConvention)5 },
        { "Source", o => o.Source = (ConcentrationSource)9 },
        { "Scale", o => o.Scale = 0 },
        { "Scale", o => o.Scale = double.NaN },
        { "Scale", o => o.Scale = double.PositiveInfinity },
        { "Margin", o => o.Margin = -0.1 },
        { "Margin", o => o.Margin = Math.PI },
        { "Margin", o => o.Margin = double.NaN },
        { "Margin", o => { o.Loss = MarginLossKind.CosFace; o.Margin = double.PositiveInfinity; } },
        { "Temperature", o => o.Temperature = 0 },
        { "Temperature", o => o.Temperature = -0.4 },
        { "Gamma", o => o.Gamma = 1.5 },
        { "Gamma", o => o.Gamma = double.NaN },
        { "MemoryMomentum", o => o.MemoryMomentum = 1.01 },
        { "CountScale", o => o.CountScale = 0.99 },
        { "InitialPsi", o => o.InitialPsi = -0.1 },
        { "ResultantClamp", o => o.ResultantClamp = 1 },
        { "ResultantClamp", o => o.ResultantClamp = -1e-6 },
        { "EncoderMomentum", o => o.EncoderMomentum = 2 },
        { "ClampEpsilon", o => o.ClampEpsilon = -1e-7 },
        { "KappaDimension", o => o.KappaDimension = 0 },
    };

    [Theory]
    [MemberData(nameof(BadValues))]
    public void Validate_rejects_bad_values_naming_the_option(string option, Action<MarginOptions> spoil)
    {
        var options = new MarginOptions();
        spoil(options);
        var error = Assert.Throws<ArgumentOutOfRangeException>(options.Validate);
        Assert.Equal(option, error.ParamName);
        Assert.Contains("MarginOptions." + option, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_accepts_boundary_values()
    {
        new MarginOptions { Loss = MarginLossKind.CosFace, Margin = 2.0, Gamma = 0, MemoryMomentum = 1, CountScale = 1, InitialPsi = 0, ResultantClamp = 0, ClampEpsilon = 0, KappaDimension = 512 }.Validate();
        new MarginOptions { Gamma = 1, MemoryMomentum = 0, EncoderMomentum = 1, Margin = 0 }.Validate();
    }

    [Fact]
    public void Clone_is_independent()
    {
        var options = new MarginOptions { Scale = 32 };
        var copy = options.Clone();
        options.Scale = 16;
        Assert.Equal(32, copy.Scale);
    }
}
