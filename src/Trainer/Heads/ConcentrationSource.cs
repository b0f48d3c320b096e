namespace KappaFace.MLNet.Trainer.Heads;

/// <summary>Where KappaFace takes the per-sample unit vectors whose class sums estimate the concentration (docs/kappaface.md, section 2).</summary>
public enum ConcentrationSource
{
    /// <summary>
    /// A per-image memory of unit vectors, updated with the online network's (already computed) features.
    /// Costs no extra forward pass, only <c>N x D</c> floats of memory.
    /// </summary>
    MemoryBuffer,

    /// <summary>
    /// An exponential-moving-average twin of the backbone that embeds each batch a second time. The reference
    /// configuration used this variant; it doubles the forward cost.
    /// </summary>
    MomentumEncoder,
}
