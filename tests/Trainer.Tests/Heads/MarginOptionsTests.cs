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
        Assert.Null(options.Scale);
        Assert.Null(options.Margin);
        Assert.Equal(0.8, options.EffectiveMargin);
        Assert.Equal(0.4, options.KappaFace.Temperature);
        Assert.Equal(0.7, options.KappaFace.Gamma);
        Assert.Equal(GammaConvention.Code, options.KappaFace.GammaConvention);
        Assert.Equal(0.9, options.KappaFace.MemoryMomentum);
        Assert.Equal(MomentumConvention.NewFeature, options.KappaFace.MomentumConvention);
        Assert.Equal(1.05, options.KappaFace.CountScale);
        Assert.True(options.KappaFace.UnbiasedStd);
        Assert.Equal(1.0, options.KappaFace.InitialPsi);
        Assert.Equal(1e-6, options.KappaFace.ResultantClamp);
        Assert.Equal(ConcentrationSource.MemoryBuffer, options.KappaFace.Source);
        Assert.Equal(0.9, options.KappaFace.EncoderMomentum);
        Assert.True(options.KappaFace.EncoderTracksBatchNorm);
        Assert.False(options.ArcFaceFallback);
        Assert.False(options.DetachMarginGradient);
        Assert.False(options.KappaFace.DivideByObservedCount);
        Assert.Equal(1e-7, options.ClampEpsilon);
        Assert.Null(options.KappaFace.KappaDimension);
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

    public static TheoryData<string, Func<MarginOptions, MarginOptions>> BadValues => new()
    {
        { "Loss", o => o with { Loss = (MarginLossKind)7 } },
        { "GammaConvention", o => o with { KappaFace = o.KappaFace with { GammaConvention = (GammaConvention)(-1) } } },
        { "MomentumConvention", o => o with { KappaFace = o.KappaFace with { MomentumConvention = (MomentumConvention)5 } } },
        { "Source", o => o with { KappaFace = o.KappaFace with { Source = (ConcentrationSource)9 } } },
        { "Scale", o => o with { Scale = 0 } },
        { "Scale", o => o with { Scale = double.NaN } },
        { "Scale", o => o with { Scale = double.PositiveInfinity } },
        { "Margin", o => o with { Margin = -0.1 } },
        { "Margin", o => o with { Margin = Math.PI } },
        { "Margin", o => o with { Margin = double.NaN } },
        { "Margin", o => o with { Loss = MarginLossKind.CosFace, Margin = double.PositiveInfinity } },
        { "Temperature", o => o with { KappaFace = o.KappaFace with { Temperature = 0 } } },
        { "Temperature", o => o with { KappaFace = o.KappaFace with { Temperature = -0.4 } } },
        { "Gamma", o => o with { KappaFace = o.KappaFace with { Gamma = 1.5 } } },
        { "Gamma", o => o with { KappaFace = o.KappaFace with { Gamma = double.NaN } } },
        { "MemoryMomentum", o => o with { KappaFace = o.KappaFace with { MemoryMomentum = 1.01 } } },
        { "CountScale", o => o with { KappaFace = o.KappaFace with { CountScale = 0.99 } } },
        { "InitialPsi", o => o with { KappaFace = o.KappaFace with { InitialPsi = -0.1 } } },
        { "ResultantClamp", o => o with { KappaFace = o.KappaFace with { ResultantClamp = 1 } } },
        { "ResultantClamp", o => o with { KappaFace = o.KappaFace with { ResultantClamp = -1e-6 } } },
        { "EncoderMomentum", o => o with { KappaFace = o.KappaFace with { EncoderMomentum = 2 } } },
        { "ClampEpsilon", o => o with { ClampEpsilon = -1e-7 } },
        { "KappaDimension", o => o with { KappaFace = o.KappaFace with { KappaDimension = 0 } } },
    };

    [Theory]
    [MemberData(nameof(BadValues))]
    public void Validate_rejects_bad_values_naming_the_option(string option, Func<MarginOptions, MarginOptions> spoil)
    {
        MarginOptions options = spoil(new MarginOptions());
        var error = Assert.Throws<ArgumentOutOfRangeException>(options.Validate);
        Assert.Equal(option, error.ParamName);
        // The message names the record that holds the option (MarginOptions or its KappaFace part).
        Assert.Matches(@"\b(MarginOptions|KappaFaceOptions)\." + option + " ", error.Message);
    }

    [Theory]
    // 4 * sqrt(2) * ln(C - 1), by hand: ln 124 = 4.820282, ln 999 = 6.906755; ln 85741 = 11.35907 gives 64.26 and
    // ln 2 gives 3.92, both outside [16, 64].
    [InlineData(125, 27.2676)]
    [InlineData(1000, 39.0705)]
    [InlineData(85742, 64.0)]
    [InlineData(3, 16.0)]
    [InlineData(1, 16.0)]
    public void The_default_scale_follows_the_class_count_within_its_bounds(int classes, double expected)
    {
        Assert.Equal(expected, MarginOptions.ScaleForClasses(classes), 1e-3);
        Assert.Equal(expected, new MarginOptions().EffectiveScale(classes), 1e-3);
        Assert.Equal(30, new MarginOptions { Scale = 30 }.EffectiveScale(classes));
    }

    [Fact]
    public void The_scale_rule_needs_a_class()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => MarginOptions.ScaleForClasses(0));
    }

    [Fact]
    public void Validate_accepts_boundary_values()
    {
        new MarginOptions { Loss = MarginLossKind.CosFace, Margin = 2.0, ClampEpsilon = 0, KappaFace = new KappaFaceOptions { Gamma = 0, MemoryMomentum = 1, CountScale = 1, InitialPsi = 0, ResultantClamp = 0, KappaDimension = 512 } }.Validate();
        new MarginOptions { Margin = 0, KappaFace = new KappaFaceOptions { Gamma = 1, MemoryMomentum = 0, EncoderMomentum = 1 } }.Validate();
    }

    [Fact]
    public void With_copies_leave_the_original_and_its_parts_unchanged()
    {
        var options = new MarginOptions { Scale = 32 };
        var copy = options with { Scale = 16, KappaFace = options.KappaFace with { Gamma = 0.1 } };
        Assert.Equal((32.0, 0.7), (options.Scale, options.KappaFace.Gamma));
        Assert.Equal((16.0, 0.1), (copy.Scale, copy.KappaFace.Gamma));
    }
}
