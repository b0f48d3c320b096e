using static TorchSharp.torch;

namespace KappaFace.MLNet.Trainer.Heads;

/// <summary>
/// How a margin loss changes the target-class cosine. Only the target column is ever touched, so a policy sees one
/// cosine per sample, never the full <c>B x C</c> matrix.
/// </summary>
public interface IMarginPolicy
{
    /// <summary>
    /// Returns the margin-adjusted target cosines.
    /// </summary>
    /// <param name="targetCos">Cosine between each sample and its own class centre, <c>[B]</c>, float32 or float64.</param>
    /// <param name="labels">Global class id of each sample, <c>[B]</c> int64.</param>
    /// <returns>A new <c>[B]</c> tensor of the same dtype, differentiable with respect to <paramref name="targetCos"/>.</returns>
    Tensor ApplyToTarget(Tensor targetCos, Tensor labels);
}
