using KappaFace.MLNet.Trainer.Backbones;
using KappaFace.MLNet.Trainer.Heads;
using KappaFace.MLNet.Trainer.Training;

namespace KappaFace.MLNet.Benchmarks.Experiments;

/// <summary>
/// What every run of one experiment shares: network, schedule, seeds and the shape of the splits.
/// <see cref="Full"/> is sized for about an hour of a quiet 2-core CPU, <see cref="Quick"/> for a few minutes.
/// </summary>
public sealed record ExperimentSettings
{
    /// <summary><c>full</c>, <c>quick</c> or a caller's own name; recorded in the report.</summary>
    public string Mode { get; init; } = "full";

    /// <summary>
    /// The network, the same for every run. Tiny, not MobileFaceNet: on the shared 2-core machine MobileFaceNet
    /// trained at 5-8 images/s at 48 px (load 9-15), which would make the full run take over ten hours.
    /// </summary>
    public BackboneKind Backbone { get; init; } = BackboneKind.Tiny;

    /// <summary>Square input side in pixels (images are loaded at this size).</summary>
    public int ImageSize { get; init; } = 48;

    /// <summary>Embedding length.</summary>
    public int EmbeddingSize { get; init; } = 128;

    /// <summary>Passes over the training set.</summary>
    public int Epochs { get; init; } = 20;

    /// <summary>Images per step.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>Peak SGD rate (cosine decay after a linear warm-up).</summary>
    public double LearningRate { get; init; } = 0.1;

    /// <summary>Warm-up length in epochs.</summary>
    public double WarmupEpochs { get; init; } = 1;

    /// <summary>
    /// Logit scale s of every loss; null uses the library's choice from the class count
    /// (<see cref="MarginOptions.ScaleForClasses"/>). 32 for the from-scratch runs, the value of the documented full run.
    /// </summary>
    public double? Scale { get; init; } = 32;

    /// <summary>The losses compared; default all three (<see cref="ExperimentPlan.AllLosses"/>).</summary>
    public IReadOnlyList<MarginLossKind> Losses { get; init; } = ExperimentPlan.AllLosses;

    /// <summary>The training splits; default both (<see cref="ExperimentPlan.AllSplits"/>).</summary>
    public IReadOnlyList<string> Splits { get; init; } = ExperimentPlan.AllSplits;

    /// <summary>Training seeds; every main run is repeated for each.</summary>
    public IReadOnlyList<int> Seeds { get; init; } = [1, 2, 3];

    /// <summary>Seeds the choice of held-out identities and of the images each split keeps (fixed for all runs).</summary>
    public int SplitSeed { get; init; } = 2026;

    /// <summary>Seeds the final evaluation pairs (the same pairs for every run).</summary>
    public int PairSeed { get; init; } = 7;

    /// <summary>Balanced pairs for the final evaluation (fewer when the held-out identities allow fewer).</summary>
    public int Pairs { get; init; } = 6000;

    /// <summary>Balanced pairs for the per-epoch held-out accuracy (seeded by the training seed).</summary>
    public int EpochPairs { get; init; } = 2000;

    /// <summary>Use at most this many identities of the data set (the first ones in name order); 0 uses all.</summary>
    public int MaxIdentities { get; init; }

    /// <summary>Identities held out for evaluation, with all their images.</summary>
    public int HeldOutIdentities { get; init; } = 50;

    /// <summary>Images kept by the largest long-tail identities.</summary>
    public int HeadCount { get; init; } = 12;

    /// <summary>Images kept by the tail identities (the smallest long-tail count).</summary>
    public int TailCount { get; init; } = 2;

    /// <summary>
    /// A KappaFace embedding model to fine-tune in every run instead of training <see cref="Backbone"/> from scratch
    /// (fine-tune mode, <see cref="FineTune"/>); the baseline row is then this model without training. Null: from scratch.
    /// </summary>
    public string? InitialModel { get; init; }

    /// <summary>Run the KappaFace ablations and the ArcFace-at-KappaFace's-mean-margin runs (first seed only).</summary>
    public bool Ablations { get; init; } = true;

    /// <summary>The settings of the documented full run.</summary>
    public static ExperimentSettings Full { get; } = new();

    /// <summary>A few minutes: one seed, fewer identities and epochs, same network and protocol.</summary>
    public static ExperimentSettings Quick { get; } = new()
    {
        Mode = "quick", Seeds = [1], Epochs = 6, MaxIdentities = 60, HeldOutIdentities = 20, Pairs = 2000, EpochPairs = 1000,
    };

    /// <summary>
    /// Fine-tune mode: every run starts from <paramref name="model"/> at its input size and embedding length, with
    /// the library's fine-tuning defaults (what <c>kappaface train --init</c> does): its epochs, no warm-up, its
    /// logit scale; the learning rate is the class centres' (the backbone's is a tenth of it by default).
    /// </summary>
    /// <param name="model">A KappaFace embedding model (from <c>kappaface import</c> or <c>train</c>).</param>
    /// <param name="imageSize">The model's input side.</param>
    /// <param name="embeddingSize">The model's embedding length.</param>
    public static ExperimentSettings FineTune(string model, int imageSize, int embeddingSize)
    {
        var library = new FaceTrainerOptions { InitialModel = model };
        return new()
        {
            Mode = "finetune", InitialModel = model, ImageSize = imageSize, EmbeddingSize = embeddingSize,
            Epochs = library.Epochs, LearningRate = library.LearningRate, WarmupEpochs = library.WarmupEpochs, Scale = library.Margin.Scale,
        };
    }

    /// <summary>Checks the values that would otherwise fail deep inside a run.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range; the parameter name says which.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Seeds.Count, 1, nameof(Seeds));
        ArgumentOutOfRangeException.ThrowIfLessThan(Losses.Count, 1, nameof(Losses));
        ArgumentOutOfRangeException.ThrowIfLessThan(Splits.Count, 1, nameof(Splits));
        if (Splits.FirstOrDefault(s => !ExperimentPlan.AllSplits.Contains(s)) is { } unknown)
        {
            throw new ArgumentOutOfRangeException(nameof(Splits), unknown, $"Unknown split; use {string.Join(" or ", ExperimentPlan.AllSplits)}.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(HeldOutIdentities, 2, nameof(HeldOutIdentities));
        ArgumentOutOfRangeException.ThrowIfLessThan(TailCount, 2, nameof(TailCount));
        ArgumentOutOfRangeException.ThrowIfLessThan(HeadCount, TailCount, nameof(HeadCount));
        ArgumentOutOfRangeException.ThrowIfNegative(MaxIdentities, nameof(MaxIdentities));
        ArgumentOutOfRangeException.ThrowIfLessThan(Pairs, 20, nameof(Pairs));
        ArgumentOutOfRangeException.ThrowIfLessThan(EpochPairs, 20, nameof(EpochPairs));
        if (Seeds.Distinct().Count() != Seeds.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(Seeds), string.Join(",", Seeds), "Seeds must be distinct.");
        }
    }
}
