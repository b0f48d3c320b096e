using TorchSharp;
using static TorchSharp.torch;

namespace KappaFace.MLNet.Trainer.Heads;

/// <summary>
/// Base of the built-in margin policies: checks the inputs and implements <see cref="DetachMarginGradient"/> once
/// for all of them.
/// </summary>
public abstract class MarginPolicy : IMarginPolicy
{
    /// <summary>Creates the policy.</summary>
    /// <param name="detachMarginGradient">See <see cref="DetachMarginGradient"/>.</param>
    protected MarginPolicy(bool detachMarginGradient) => DetachMarginGradient = detachMarginGradient;

    /// <summary>
    /// When set, the adjusted value is returned with the gradient of the identity (a straight-through estimator),
    /// which is what insightface's in-place margin under no-grad amounts to: the softmax sees the margin, the
    /// backward pass does not.
    /// </summary>
    public bool DetachMarginGradient { get; }

    /// <inheritdoc />
    public Tensor ApplyToTarget(Tensor targetCos, Tensor labels)
    {
        ArgumentNullException.ThrowIfNull(targetCos);
        ArgumentNullException.ThrowIfNull(labels);
        if (targetCos.dim() != 1 || labels.dim() != 1 || targetCos.shape[0] != labels.shape[0])
        {
            throw new ArgumentException(
                $"Expected [B] target cosines and [B] labels; got [{string.Join(", ", targetCos.shape)}] and [{string.Join(", ", labels.shape)}].",
                nameof(targetCos));
        }

        using var scope = torch.NewDisposeScope();
        var adjusted = Adjust(targetCos, labels);
        if (DetachMarginGradient)
        {
            adjusted = targetCos + (adjusted - targetCos).detach();
        }

        return adjusted.MoveToOuterDisposeScope();
    }

    /// <summary>The margin-adjusted target cosines, differentiable; called inside a dispose scope.</summary>
    /// <param name="targetCos">Target cosines <c>[B]</c>.</param>
    /// <param name="labels">Class ids <c>[B]</c> int64.</param>
    protected abstract Tensor Adjust(Tensor targetCos, Tensor labels);
}
