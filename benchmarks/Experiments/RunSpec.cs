using KappaFace.MLNet.Trainer.Export;
using KappaFace.MLNet.Trainer.Heads;

namespace KappaFace.MLNet.Benchmarks.Experiments;

/// <summary>One training run of an experiment: loss, split, seed and what differs from the loss's defaults.</summary>
/// <param name="Group"><see cref="RunGroups"/>: main, ablation or fixed-margin.</param>
/// <param name="Split">A <see cref="SplitNames"/> value.</param>
/// <param name="Loss">The margin loss.</param>
/// <param name="Seed">The training seed.</param>
/// <param name="Variant">Short description of the change, e.g. <c>gamma=0</c>; empty for the defaults.</param>
/// <param name="Configure">Applies the change to the run's margin options (null for none).</param>
public sealed record RunSpec(string Group, string Split, MarginLossKind Loss, int Seed, string Variant, Func<MarginOptions, MarginOptions>? Configure)
{
    /// <summary>The loss's name as the library writes it (kappaface, arcface, cosface).</summary>
    public string LossName => ModelCardAssembler.LossName(Loss);

    /// <summary>A unique name: <c>loss[-variant]/split/seedN</c>.</summary>
    public string Name => $"{LossName}{(Variant.Length == 0 ? "" : "-" + Variant)}/{Split}/seed{Seed}";
}

/// <summary>The groups runs belong to.</summary>
public static class RunGroups
{
    /// <summary>Every loss with its defaults, every split, every seed.</summary>
    public const string Main = "main";

    /// <summary>KappaFace with one hyper-parameter changed (first seed, long-tail split).</summary>
    public const string Ablation = "ablation";

    /// <summary>ArcFace with a fixed margin equal to KappaFace's mean learned margin (first seed).</summary>
    public const string FixedMargin = "fixed-margin";
}
