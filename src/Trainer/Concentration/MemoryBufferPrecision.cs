namespace KappaFace.MLNet.Trainer.Concentration;

/// <summary>How KappaFace's memory buffer stores its rows.</summary>
public enum MemoryBufferPrecision
{
    /// <summary>4 bytes per value (N x D x 4 bytes).</summary>
    Fp32,

    /// <summary>
    /// 2 bytes per value: half the memory. Rows are blended and renormalised in float32 and rounded to float16 once
    /// when stored (unit vectors lose about 3 decimal digits; see docs/scale.md for the effect on kappa).
    /// </summary>
    Fp16,
}
