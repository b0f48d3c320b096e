namespace KappaFace.MLNet.Trainer.Heads;

/// <summary>
/// Hyper-parameters of the margin softmax head: the loss, its scale and margin and the numerical choices of the
/// target logit, with KappaFace's concentration bookkeeping in <see cref="KappaFace"/> and PartialFC class-centre
/// sampling in <see cref="Sampling"/>. Defaults follow the KappaFace reference code and its shipped configuration
/// (docs/kappaface.md, "Paper and code"): every choice on which the paper and the code disagree is an option whose
/// default is the code's. Copy with <c>with</c>: <c>options with { Loss = MarginLossKind.ArcFace }</c>.
/// </summary>
public sealed record MarginOptions
{
    /// <summary>KappaFace's base margin <c>m0</c> in the shipped configuration (the class default 0.62 was never used).</summary>
    public const double DefaultKappaFaceMargin = 0.8;

    /// <summary>ArcFace's additive angular margin.</summary>
    public const double DefaultArcFaceMargin = 0.5;

    /// <summary>CosFace's additive cosine margin.</summary>
    public const double DefaultCosFaceMargin = 0.35;

    /// <summary>The loss to train with. Default <see cref="MarginLossKind.KappaFace"/>.</summary>
    public MarginLossKind Loss { get; init; } = MarginLossKind.KappaFace;

    /// <summary>
    /// Logit scale <c>s</c>, applied to every column; <see langword="null"/> (the default) chooses it from the
    /// number of classes with <see cref="ScaleForClasses"/>. Read <see cref="EffectiveScale"/> for the value in force.
    /// </summary>
    public double? Scale { get; init; }

    /// <summary>The largest scale <see cref="ScaleForClasses"/> chooses: the usual <c>s</c> for data sets of many thousand identities.</summary>
    public const double LargeDataScale = 64.0;

    /// <summary>The smallest scale <see cref="ScaleForClasses"/> chooses, so that a margin still leaves a usable target probability with a handful of classes.</summary>
    public const double SmallDataScale = 16.0;

    /// <summary>The scale in force when training <paramref name="classCount"/> classes: <see cref="Scale"/>, or <see cref="ScaleForClasses"/>.</summary>
    /// <param name="classCount">The number of classes (identities) trained.</param>
    public double EffectiveScale(int classCount) => Scale ?? ScaleForClasses(classCount);

    /// <summary>
    /// The default scale for <paramref name="classCount"/> classes: four times AdaCos's fixed scale
    /// <c>sqrt(2) ln(C - 1)</c> (Zhang et al., CVPR 2019; docs/training.md, "The logit scale"), clamped to
    /// [<see cref="SmallDataScale"/>, <see cref="LargeDataScale"/>]. The bound grows with the log of the class count
    /// because the target logit must outweigh C - 1 others; the factor four makes it reach the usual 64 at
    /// MS1M's 85,742 identities, and gives about 27 for 125 identities, where 64 trains erratically.
    /// </summary>
    /// <param name="classCount">The number of classes, at least 1.</param>
    public static double ScaleForClasses(int classCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 1);
        double adaCos = Math.Sqrt(2) * Math.Log(Math.Max(classCount - 1, 1));
        return Math.Clamp(AdaCosFactor * adaCos, SmallDataScale, LargeDataScale);
    }

    private const double AdaCosFactor = 4.0;

    /// <summary>
    /// The margin; <see langword="null"/> selects the loss's default (KappaFace <c>m0</c> = 0.8, ArcFace 0.5,
    /// CosFace 0.35). For KappaFace this is the base margin <c>m0</c> that <c>psi</c> scales. Read
    /// <see cref="EffectiveMargin"/> for the value in force.
    /// </summary>
    public double? Margin { get; init; }

    /// <summary>The margin in force: <see cref="Margin"/>, or the default of <see cref="Loss"/> when it is unset.</summary>
    public double EffectiveMargin => Margin ?? Loss switch
    {
        MarginLossKind.ArcFace => DefaultArcFaceMargin,
        MarginLossKind.CosFace => DefaultCosFaceMargin,
        _ => DefaultKappaFaceMargin,
    };

    /// <summary>
    /// Use insightface's original ArcFace fallback for <c>theta + m &gt; pi</c>: when <c>cos theta &lt;= cos(pi - m)</c>
    /// the target becomes <c>cos theta - m sin m</c> (monotone) instead of <c>cos(theta + m)</c>, with the per-sample
    /// margin. Applies to ArcFace and KappaFace. Default <see langword="false"/> (the KappaFace code has no fallback).
    /// </summary>
    public bool ArcFaceFallback { get; init; }

    /// <summary>
    /// Emulate current insightface, which applies the margin under no-grad: the loss value is unchanged but the
    /// gradient reaching the target cosine is the plain softmax one, ignoring <c>d cos(theta + m) / d theta</c>.
    /// Default <see langword="false"/> (the KappaFace code backpropagates through the margin).
    /// </summary>
    public bool DetachMarginGradient { get; init; }

    /// <summary>
    /// The target cosine is clamped to <c>[-1 + eps, 1 - eps]</c> before <c>acos</c>, so rounding never yields NaN
    /// and the gradient stays finite at ±1. Default 1e-7.
    /// </summary>
    public double ClampEpsilon { get; init; } = 1e-7;

    /// <summary>KappaFace's concentration statistics (used when <see cref="Loss"/> is KappaFace).</summary>
    public KappaFaceOptions KappaFace { get; init; } = new();

    /// <summary>PartialFC class-centre sampling. Default: every centre (the full softmax).</summary>
    public ClassSamplingOptions Sampling { get; init; } = new();

    /// <summary>Checks every option's range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the exception's parameter name is the option's name.</exception>
    public void Validate()
    {
        RequireDefined(Loss, nameof(Loss));

        if (Scale is double scale)
        {
            Require(double.IsFinite(scale) && scale > 0, scale, nameof(Scale), "must be finite and positive");
        }

        if (Margin is double margin)
        {
            // An angular margin of pi or more turns cos(theta + m) into a reward for every target.
            var angular = Loss != MarginLossKind.CosFace;
            Require(double.IsFinite(margin) && margin >= 0 && (!angular || margin < Math.PI), margin, nameof(Margin),
                angular ? "must be in [0, pi) for an angular margin" : "must be finite and non-negative");
        }

        Require(ClampEpsilon >= 0 && ClampEpsilon < 1, ClampEpsilon, nameof(ClampEpsilon), "must be in [0, 1)");
        ArgumentNullException.ThrowIfNull(KappaFace, nameof(KappaFace));
        ArgumentNullException.ThrowIfNull(Sampling, nameof(Sampling));
        KappaFace.Validate();
        Sampling.Validate();
    }

    private static void RequireDefined<TEnum>(TEnum value, string name)
        where TEnum : struct, Enum
        => OptionRules.RequireDefined(nameof(MarginOptions), value, name);

    private static void Require(bool condition, object value, string name, string rule)
        => OptionRules.Require(nameof(MarginOptions), condition, value, name, rule);
}
