namespace KappaFace.MLNet.Trainer.Heads;

/// <summary>PartialFC class-centre sampling of the margin head. Part of <see cref="MarginOptions.Sampling"/>.</summary>
public sealed record ClassSamplingOptions
{
    /// <summary>
    /// PartialFC class-centre sampling: the fraction of class centres each training step's softmax uses, in (0, 1].
    /// The batch's own classes are always kept and the rest are drawn uniformly (seeded, reproducible across resume),
    /// so a step costs O(rate x C x D) in the head instead of O(C x D). 1 (the default) is the full softmax; 0.1 is
    /// insightface's choice for very many identities. The optimiser still updates every centre (weight decay and
    /// momentum), so memory is that of the full head.
    /// </summary>
    public double SampleRate { get; init; } = 1.0;

    /// <summary>Checks <see cref="SampleRate"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The rate is outside (0, 1].</exception>
    public void Validate() =>
        OptionRules.Require(nameof(ClassSamplingOptions), SampleRate > 0 && SampleRate <= 1, SampleRate, nameof(SampleRate), "must be in (0, 1]");
}
