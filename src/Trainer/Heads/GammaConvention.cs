namespace KappaFace.MLNet.Trainer.Heads;

/// <summary>
/// Which of the two KappaFace weights <see cref="KappaFaceOptions.Gamma"/> multiplies when they are combined into
/// <c>psi</c>. The reference code and the transcription of paper v1 disagree (docs/kappaface.md, equation 9).
/// </summary>
public enum GammaConvention
{
    /// <summary>
    /// The reference code: <c>psi = gamma * w_kappa + (1 - gamma) * w_samples</c>. It produced the published
    /// numbers, so it is the default.
    /// </summary>
    Code,

    /// <summary>Paper v1 as transcribed: <c>psi = gamma * w_samples + (1 - gamma) * w_kappa</c>.</summary>
    PaperV1,
}
