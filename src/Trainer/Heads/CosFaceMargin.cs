using KappaFace.MLNet.Trainer.Platform;
using TorchSharp;
using static TorchSharp.torch;

namespace KappaFace.MLNet.Trainer.Heads;

/// <summary>CosFace (large margin cosine loss): the target cosine becomes <c>cos theta - m</c>.</summary>
public sealed class CosFaceMargin : MarginPolicy
{
    /// <summary>Creates the policy.</summary>
    /// <param name="margin">The cosine margin <c>m</c>, finite and non-negative.</param>
    /// <param name="detachMarginGradient">See <see cref="MarginPolicy.DetachMarginGradient"/> (no effect on the value; the gradient of <c>cos - m</c> is already the identity).</param>
    public CosFaceMargin(double margin, bool detachMarginGradient = false)
        : base(detachMarginGradient)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(margin);
        if (!double.IsFinite(margin))
        {
            throw new ArgumentOutOfRangeException(nameof(margin), margin, "The margin must be finite.");
        }

        Margin = margin;
    }

    /// <summary>The cosine margin <c>m</c>.</summary>
    public double Margin { get; }

    /// <inheritdoc />
    protected override Tensor Adjust(Tensor targetCos, Tensor labels)
    {
        // Both scalars held until libtorch returns (Platform/StableScalars.cs says why).
        using Scalar margin = Margin.ToScalar();
        return targetCos.add(margin, StableScalars.MinusOne);
    }
}
