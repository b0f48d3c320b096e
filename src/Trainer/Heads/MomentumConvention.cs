namespace KappaFace.MLNet.Trainer.Heads;

/// <summary>
/// Which side of the memory-buffer update <see cref="KappaFaceOptions.MemoryMomentum"/> weights (docs/kappaface.md, equation 4).
/// </summary>
public enum MomentumConvention
{
    /// <summary>
    /// The reference code: <c>v = (1 - mu) * M[i] + mu * x</c>, so with <c>mu = 0.9</c> the row keeps 90% of the new
    /// feature. Default.
    /// </summary>
    NewFeature,

    /// <summary>
    /// Paper v1 and CRD's memory bank: <c>v = mu * M[i] + (1 - mu) * x</c>, so <c>mu</c> weights the old row.
    /// </summary>
    OldMemory,
}
