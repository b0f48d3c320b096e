using TorchSharp;
using static TorchSharp.torch;

namespace KappaFace.MLNet.Trainer.Heads;

/// <summary>ArcFace: one additive angular margin for every class, target cosine <c>cos(theta + m)</c>.</summary>
public sealed class ArcFaceMargin : AdditiveAngularMargin
{
    /// <summary>Creates the policy.</summary>
    /// <param name="margin">The angular margin <c>m</c> in radians, in [0, pi).</param>
    /// <param name="clampEpsilon">Cosines are clamped to <c>[-1 + eps, 1 - eps]</c> before <c>acos</c>.</param>
    /// <param name="arcFaceFallback">See <see cref="AdditiveAngularMargin.ArcFaceFallback"/>.</param>
    /// <param name="detachMarginGradient">See <see cref="MarginPolicy.DetachMarginGradient"/>.</param>
    public ArcFaceMargin(double margin, double clampEpsilon = 1e-7, bool arcFaceFallback = false, bool detachMarginGradient = false)
        : base(clampEpsilon, arcFaceFallback, detachMarginGradient)
    {
        if (!(margin >= 0 && margin < Math.PI))
        {
            throw new ArgumentOutOfRangeException(nameof(margin), margin, "The angular margin must be in [0, pi).");
        }

        Margin = margin;
    }

    /// <summary>The angular margin <c>m</c> in radians.</summary>
    public double Margin { get; }

    /// <inheritdoc />
    protected override Tensor MarginsFor(Tensor labels, Tensor targetCos)
        => torch.tensor(Margin, targetCos.dtype, targetCos.device);
}
