using KappaFace.MLNet.Trainer.Concentration;
using static TorchSharp.torch;

namespace KappaFace.MLNet.Trainer.Heads;

/// <summary>
/// KappaFace: an additive angular margin per class, <c>m_y = m0 * psi_y</c>, read from a
/// <see cref="KappaFaceState"/> that recomputes <c>psi</c> at the end of each epoch.
/// </summary>
/// <remarks>
/// Margins are looked up by <b>global</b> class id. (The reference's model-parallel head indexed them with
/// rank-local ids, so ranks above 0 used other classes' margins; docs/kappaface.md, section 1.)
/// </remarks>
public sealed class KappaFaceMargin : AdditiveAngularMargin
{
    private readonly KappaFaceState _state;

    /// <summary>Creates the policy.</summary>
    /// <param name="state">The per-class margins; read at every call, so updates at epoch end take effect at once. Not owned.</param>
    /// <param name="clampEpsilon">Cosines are clamped to <c>[-1 + eps, 1 - eps]</c> before <c>acos</c>.</param>
    /// <param name="arcFaceFallback">See <see cref="AdditiveAngularMargin.ArcFaceFallback"/>.</param>
    /// <param name="detachMarginGradient">See <see cref="MarginPolicy.DetachMarginGradient"/>.</param>
    public KappaFaceMargin(KappaFaceState state, double clampEpsilon = 1e-7, bool arcFaceFallback = false, bool detachMarginGradient = false)
        : base(clampEpsilon, arcFaceFallback, detachMarginGradient)
    {
        ArgumentNullException.ThrowIfNull(state);
        _state = state;
    }

    /// <summary>The state the margins come from.</summary>
    public KappaFaceState State => _state;

    /// <inheritdoc />
    protected override Tensor MarginsFor(Tensor labels, Tensor targetCos)
        => _state.MarginTensor.to(targetCos.device).index_select(0, labels.to(targetCos.device)).to(targetCos.dtype);
}
