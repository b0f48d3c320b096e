namespace KappaFace.MLNet.Trainer.Heads;

/// <summary>
/// KappaFace's concentration bookkeeping: where the unit vectors come from, how the per-class concentration is
/// estimated and turned into a margin weight (docs/kappaface.md, equations 4 to 9). Defaults follow the reference
/// code and its shipped configuration; every point where the paper and the code disagree is an option whose
/// default is the code's. Part of <see cref="MarginOptions.KappaFace"/>.
/// </summary>
public sealed record KappaFaceOptions
{
    /// <summary>
    /// KappaFace "temperature" <c>T</c>. It <b>multiplies</b> the standardised concentration inside the sigmoid,
    /// as the code does (the paper calls it a temperature); smaller values pull every weight toward 0.5.
    /// Default 0.4 (shipped configuration; the class default 0.55 was not used).
    /// </summary>
    public double Temperature { get; init; } = 0.4;

    /// <summary>KappaFace mixing weight <c>gamma</c> in [0, 1]; see <see cref="GammaConvention"/> for which term it weights. Default 0.7.</summary>
    public double Gamma { get; init; } = 0.7;

    /// <summary>Which weight <see cref="Gamma"/> multiplies. Default <see cref="Heads.GammaConvention.Code"/> (the concentration weight).</summary>
    public GammaConvention GammaConvention { get; init; } = GammaConvention.Code;

    /// <summary>Memory-buffer momentum <c>mu</c> in [0, 1]. Default 0.9; see <see cref="MomentumConvention"/> for its side.</summary>
    public double MemoryMomentum { get; init; } = 0.9;

    /// <summary>
    /// Which side of the memory update <see cref="MemoryMomentum"/> weights. Default
    /// <see cref="Heads.MomentumConvention.NewFeature"/> (the code: 90% new feature, 10% old row).
    /// </summary>
    public MomentumConvention MomentumConvention { get; init; } = MomentumConvention.NewFeature;

    /// <summary>
    /// Factor on the largest class count giving the half-cosine's end point, <c>K = CountScale * max n_c</c>.
    /// The code's 1.05 keeps the largest class's sample weight just above 0; paper v1 uses 1. Default 1.05.
    /// </summary>
    public double CountScale { get; init; } = 1.05;

    /// <summary>
    /// Standardise concentrations with the unbiased standard deviation (divide by C - 1, PyTorch's default, as the
    /// code does) rather than the population one (divide by C, paper v1). Default <see langword="true"/>.
    /// </summary>
    public bool UnbiasedStd { get; init; } = true;

    /// <summary>
    /// <c>psi</c> for every class before the first concentration estimate, in [0, 1]. Default 1.0 (the code), so
    /// the whole first epoch trains with margin <c>m0</c>.
    /// </summary>
    public double InitialPsi { get; init; } = 1.0;

    /// <summary>
    /// Robustness bound for the mean resultant length, in [0, 1). With a positive value, <c>Rbar</c> is computed
    /// in float64, clamped to [0, 1 - ResultantClamp], and a class that reaches the bound is treated as the exact
    /// degenerate case <c>Rbar = 1</c>: its concentration becomes the largest finite one of the epoch. This catches
    /// singleton classes whose fp32 unit vector has a norm a rounding error away from 1, which otherwise give a
    /// huge finite concentration (about +4e9 or -2e9 at d = 512) that flattens every other class's weight to 0.5
    /// (docs/kappaface.md, Edge cases). 0 gives parity with the reference: only +inf becomes the largest finite value and NaN becomes 0.
    /// Default 1e-6.
    /// </summary>
    public double ResultantClamp { get; init; } = 1e-6;

    /// <summary>
    /// Where the unit vectors for the class sums come from. Default <see cref="ConcentrationSource.MemoryBuffer"/>,
    /// which needs one forward pass per step; note that the reference configuration
    /// (<c>configs/base.py</c>, <c>config.momentum = True</c>) used <see cref="ConcentrationSource.MomentumEncoder"/>.
    /// </summary>
    public ConcentrationSource Source { get; init; } = ConcentrationSource.MemoryBuffer;

    /// <summary>
    /// Per-step EMA factor of the momentum encoder: <c>theta_k = m * theta_k + (1 - m) * theta_q</c>, in [0, 1].
    /// Default 0.9 (the code; a very fast EMA compared with MoCo's 0.999).
    /// </summary>
    public double EncoderMomentum { get; init; } = 0.9;

    /// <summary>
    /// Whether the momentum encoder's BatchNorm running statistics follow the online network (floating-point
    /// buffers with the same EMA, counters copied). Default <see langword="true"/>: a deliberate deviation from the
    /// code, whose encoder kept the initial statistics (mean 0, variance 1) in eval mode for the whole run.
    /// </summary>
    public bool EncoderTracksBatchNorm { get; init; } = true;

    /// <summary>
    /// Divide each class sum by the number of vectors actually added this epoch instead of the class's dataset
    /// count <c>n_c</c>. Default <see langword="false"/> (the code divides by <c>n_c</c>, so samples dropped or
    /// repeated by the sampler bias <c>Rbar</c> slightly).
    /// </summary>
    public bool DivideByObservedCount { get; init; }

    /// <summary>
    /// The dimension <c>d</c> in the concentration estimate <c>Rbar (d - Rbar^2) / (1 - Rbar^2)</c>;
    /// <see langword="null"/> uses the embedding size. The reference hard-codes 512 whatever its embedding size.
    /// </summary>
    public int? KappaDimension { get; init; }

    /// <summary>
    /// Storage precision of KappaFace's memory buffer (one row per training image). Default
    /// <see cref="Concentration.MemoryBufferPrecision.Fp32"/>: exact parity with the reference and negligible size
    /// below about a million images; <see cref="Concentration.MemoryBufferPrecision.Fp16"/> halves it (5.8M images
    /// x 512: 11.9 GB to 5.9 GB). The blend and renormalisation are always computed in float32.
    /// </summary>
    public Concentration.MemoryBufferPrecision MemoryBufferPrecision { get; init; } = Concentration.MemoryBufferPrecision.Fp32;

    /// <summary>
    /// Keep the memory buffer in host memory when training on a GPU, moving only each batch's rows to and from the
    /// device. Saves device memory at the cost of two small transfers per step; no effect on CPU. Default false.
    /// </summary>
    public bool MemoryBufferOnHost { get; init; }

    /// <summary>Checks every option's range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the exception's parameter name is the option's name.</exception>
    public void Validate()
    {
        RequireDefined(GammaConvention, nameof(GammaConvention));
        RequireDefined(MomentumConvention, nameof(MomentumConvention));
        RequireDefined(Source, nameof(Source));
        RequireDefined(MemoryBufferPrecision, nameof(MemoryBufferPrecision));
        Require(double.IsFinite(Temperature) && Temperature > 0, Temperature, nameof(Temperature), "must be finite and positive");
        RequireUnit(Gamma, nameof(Gamma));
        RequireUnit(MemoryMomentum, nameof(MemoryMomentum));
        // Below 1 the largest classes would pass the half-cosine's minimum and their weight would rise again.
        Require(double.IsFinite(CountScale) && CountScale >= 1, CountScale, nameof(CountScale), "must be finite and at least 1");
        RequireUnit(InitialPsi, nameof(InitialPsi));
        Require(ResultantClamp >= 0 && ResultantClamp < 1, ResultantClamp, nameof(ResultantClamp), "must be in [0, 1)");
        RequireUnit(EncoderMomentum, nameof(EncoderMomentum));
        if (KappaDimension is int dimension)
        {
            Require(dimension >= 1, dimension, nameof(KappaDimension), "must be at least 1");
        }
    }

    private static void RequireUnit(double value, string name)
        => Require(value >= 0 && value <= 1, value, name, "must be in [0, 1]");

    private static void RequireDefined<TEnum>(TEnum value, string name)
        where TEnum : struct, Enum
        => OptionRules.RequireDefined(nameof(KappaFaceOptions), value, name);

    private static void Require(bool condition, object value, string name, string rule)
        => OptionRules.Require(nameof(KappaFaceOptions), condition, value, name, rule);
}
