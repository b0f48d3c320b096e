using static TorchSharp.torch;

namespace KappaFace.MLNet.Trainer.Heads;

/// <summary>
/// The additive angular margin shared by ArcFace and KappaFace: <c>cos(acos(clamp(cos theta)) + m)</c> on the
/// target column, with the margin <c>m</c> supplied per sample by the subclass, and insightface's optional
/// <c>th</c>/<c>mm</c> fallback for <c>theta + m &gt; pi</c>.
/// </summary>
public abstract class AdditiveAngularMargin : MarginPolicy
{
    /// <summary>Creates the policy.</summary>
    /// <param name="clampEpsilon">Cosines are clamped to <c>[-1 + eps, 1 - eps]</c> before <c>acos</c>; in [0, 1).</param>
    /// <param name="arcFaceFallback">Use the linear fallback <c>cos theta - m sin m</c> when <c>cos theta &lt;= cos(pi - m)</c>.</param>
    /// <param name="detachMarginGradient">See <see cref="MarginPolicy.DetachMarginGradient"/>.</param>
    protected AdditiveAngularMargin(double clampEpsilon, bool arcFaceFallback, bool detachMarginGradient)
        : base(detachMarginGradient)
    {
        if (!(clampEpsilon >= 0 && clampEpsilon < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(clampEpsilon), clampEpsilon, "The clamp epsilon must be in [0, 1).");
        }

        ClampEpsilon = clampEpsilon;
        ArcFaceFallback = arcFaceFallback;
    }

    /// <summary>Cosines are clamped to <c>[-1 + eps, 1 - eps]</c> before <c>acos</c>.</summary>
    public double ClampEpsilon { get; }

    /// <summary>Whether the linear <c>th</c>/<c>mm</c> fallback replaces <c>cos(theta + m)</c> past <c>theta = pi - m</c>.</summary>
    public bool ArcFaceFallback { get; }

    /// <summary>
    /// The angular margin of each sample, as a tensor that broadcasts against <paramref name="targetCos"/>
    /// (a scalar or <c>[B]</c>) with its dtype and device.
    /// </summary>
    /// <param name="labels">Class ids <c>[B]</c> int64.</param>
    /// <param name="targetCos">Target cosines <c>[B]</c>, for dtype and device.</param>
    protected abstract Tensor MarginsFor(Tensor labels, Tensor targetCos);

    /// <inheritdoc />
    protected sealed override Tensor Adjust(Tensor targetCos, Tensor labels)
    {
        var margins = MarginsFor(labels, targetCos);
        // acos has an infinite derivative at ±1 and is NaN past it; fp rounding of normalised vectors gets there.
        var theta = targetCos.clamp(-1 + ClampEpsilon, 1 - ClampEpsilon).acos();
        var shifted = (theta + margins).cos();
        if (!ArcFaceFallback)
        {
            return shifted;
        }

        // Past theta = pi - m, cos(theta + m) rises again and the margin would reward the sample; insightface
        // switches to the monotone cos theta - m sin m there (th = cos(pi - m), mm = sin(pi - m) * m).
        var threshold = -margins.cos();
        var linear = targetCos - margins * margins.sin();
        return shifted.where(targetCos > threshold, linear);
    }
}
