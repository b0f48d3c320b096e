using KappaFace.MLNet.Trainer.Heads;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace KappaFace.MLNet.Trainer.Tests.Heads;

/// <summary>The target-column margins on their own: values, gradients and edge cases (docs/kappaface.md, section 1 and the worked example).</summary>
public class MarginPolicyTests
{
    private static (double[] Values, double[] Gradient) Apply(IMarginPolicy policy, double[] cos, long[]? labels = null)
    {
        using var scope = torch.NewDisposeScope();
        var input = torch.tensor(cos, ScalarType.Float64).requires_grad_(true);
        var result = policy.ApplyToTarget(input, TestData.Labels(labels ?? new long[cos.Length]));
        result.sum().backward();
        return (TestData.ToVector(result), TestData.ToVector(input.grad!));
    }

    [Fact]
    public void Spec_target_logit_example()
    {
        // docs/kappaface.md, worked example: cos theta_y = 0.3 with m = 0.337755 gives cos(theta + m) = -0.033056, times 64 = -2.1156.
        var (values, _) = Apply(new ArcFaceMargin(0.337755), new[] { 0.3 });
        Close.Equal(-0.033056, values[0], 1e-5, "cos(theta + m)");
        Close.Equal(-2.1156, 64 * values[0], 1e-4, "s cos(theta + m)");
    }

    [Fact]
    public void ArcFace_value_and_gradient_are_cos_theta_plus_m_and_its_derivative()
    {
        var cos = new[] { 0.9, 0.3, -0.2, -0.7 };
        const double m = 0.5;
        var (values, gradient) = Apply(new ArcFaceMargin(m), cos);
        for (var i = 0; i < cos.Length; i++)
        {
            var theta = Math.Acos(cos[i]);
            Close.Equal(Math.Cos(theta + m), values[i], 1e-12, $"value[{i}]");
            Close.Equal(Math.Sin(theta + m) / Math.Sin(theta), gradient[i], 1e-10, $"gradient[{i}]");
        }
    }

    [Fact]
    public void CosFace_subtracts_the_margin_with_unit_gradient()
    {
        var (values, gradient) = Apply(new CosFaceMargin(0.35), new[] { 0.9, -0.4 });
        Close.Equal(new[] { 0.55, -0.75 }, values, 1e-12);
        Close.Equal(new[] { 1.0, 1.0 }, gradient, 0);
    }

    [Fact]
    public void Theta_plus_m_beyond_pi_rewards_worse_samples_without_fallback_and_not_with_it()
    {
        const double m = 0.5;
        // Both targets lie past theta = pi - m; the second is the worse (farther) sample.
        var cos = new[] { -0.95, -0.999, 0.2 };
        var (plain, plainGradient) = Apply(new ArcFaceMargin(m), cos);
        for (var i = 0; i < cos.Length; i++)
        {
            Close.Equal(Math.Cos(Math.Acos(cos[i]) + m), plain[i], 1e-12, $"plain[{i}]");
        }

        Assert.True(plain[1] > plain[0], "without the fallback cos(theta + m) rises again past pi (the reference's behaviour)");
        Assert.True(plainGradient[0] < 0, "and its derivative changes sign");

        var (fallback, fallbackGradient) = Apply(new ArcFaceMargin(m, arcFaceFallback: true), cos);
        Close.Equal(-0.95 - m * Math.Sin(m), fallback[0], 1e-12, "linear branch");
        Close.Equal(-0.999 - m * Math.Sin(m), fallback[1], 1e-12, "linear branch");
        Close.Equal(plain[2], fallback[2], 0, "inside the threshold the fallback changes nothing");
        Assert.True(fallback[1] < fallback[0], "with the fallback the target stays monotone");
        Close.Equal(1, fallbackGradient[0], 0, "linear branch gradient");
        Close.Equal(plainGradient[2], fallbackGradient[2], 0, "inside the threshold gradient");
    }

    [Fact]
    public void Cosines_at_or_past_one_are_clamped_before_acos()
    {
        var cos = new[] { 1.0, 1 + 1e-6, -1.0, -1 - 1e-6 };
        var (values, gradient) = Apply(new ArcFaceMargin(0.5), cos);
        Assert.All(values, v => Assert.True(double.IsFinite(v)));
        Assert.All(gradient, g => Assert.True(double.IsFinite(g)));
        Close.Equal(Math.Cos(Math.Acos(1 - 1e-7) + 0.5), values[0], 1e-12, "clamped at 1 - eps");
        Close.Equal(Math.Cos(Math.Acos(-1 + 1e-7) + 0.5), values[3], 1e-12, "clamped at -1 + eps");

        // Without the clamp the reference would get NaN at 1 + 1e-6 and an infinite derivative at 1.
        var (unclamped, unclampedGradient) = Apply(new ArcFaceMargin(0.5, clampEpsilon: 0), cos);
        Assert.True(double.IsNaN(unclamped[1]) || !double.IsFinite(unclampedGradient[0]), "the clamp is what keeps these finite");
    }

    [Fact]
    public void KappaFace_uses_each_samples_global_class_margin_and_the_shared_fallback()
    {
        using var state = MarginSoftmaxHeadTests.NonUniformState();
        var margins = state.Margins;
        var cos = new[] { 0.4, -0.3, 0.8, -0.99, 0.1, -0.97 };
        var labels = new long[] { 3, 0, 4, 1, 2, 3 };
        var (values, gradient) = Apply(new KappaFaceMargin(state), cos, labels);
        var (fallback, _) = Apply(new KappaFaceMargin(state, arcFaceFallback: true), cos, labels);
        for (var i = 0; i < cos.Length; i++)
        {
            var m = margins[(int)labels[i]];
            var theta = Math.Acos(cos[i]);
            Close.Equal(Math.Cos(theta + m), values[i], 1e-12, $"value[{i}]");
            Close.Equal(Math.Sin(theta + m) / Math.Sin(theta), gradient[i], 1e-9, $"gradient[{i}]");
            var expectedFallback = cos[i] > Math.Cos(Math.PI - m) ? Math.Cos(theta + m) : cos[i] - Math.Sin(Math.PI - m) * m;
            Close.Equal(expectedFallback, fallback[i], 1e-12, $"fallback[{i}]");
        }

        Assert.Contains(fallback.Zip(values), p => p.First != p.Second);
    }

    [Fact]
    public void Detached_margin_keeps_the_value_and_passes_the_gradient_through()
    {
        var cos = new[] { 0.6, -0.1 };
        var (values, _) = Apply(new ArcFaceMargin(0.5), cos);
        var (detached, gradient) = Apply(new ArcFaceMargin(0.5, detachMarginGradient: true), cos);
        Close.Equal(values, detached, 1e-15);
        Close.Equal(new[] { 1.0, 1.0 }, gradient, 0);
    }

    [Fact]
    public void Policies_reject_invalid_margins_and_mismatched_shapes()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ArcFaceMargin(-0.1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ArcFaceMargin(Math.PI));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ArcFaceMargin(double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ArcFaceMargin(0.5, clampEpsilon: 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CosFaceMargin(double.PositiveInfinity));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CosFaceMargin(-1));
        using var scope = torch.NewDisposeScope();
        Assert.Throws<ArgumentException>(() => new ArcFaceMargin(0.5).ApplyToTarget(torch.zeros(3), TestData.Labels(0, 1)));
    }
}
