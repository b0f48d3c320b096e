using KappaFace.MLNet.Trainer.Backbones;
using KappaFace.MLNet.Trainer.Heads;

namespace KappaFace.MLNet.Trainer.Training;

/// <summary>The optimisers the trainer offers.</summary>
public enum OptimizerKind
{
    /// <summary>SGD with momentum and weight decay (the reference recipe).</summary>
    Sgd,
    /// <summary>AdamW with decoupled weight decay.</summary>
    AdamW,
}

/// <summary>
/// Everything that controls one training run, for <see cref="FaceModelTrainer"/>, the ML.NET trainers
/// (<c>FaceRecognitionTrainerOptions.Training</c>) and the CLI's <c>train</c> and <c>demo</c> alike. Defaults follow
/// the KappaFace reference recipe (docs/kappaface.md, "Training recipe") scaled to one CPU: SGD 0.9, weight
/// decay 5e-4, gradient clip 5 on the backbone, horizontal flips, s = 64 and m0 = 0.8. Copy with <c>with</c>:
/// <c>options with { Epochs = 3 }</c>.
/// </summary>
public sealed record FaceTrainerOptions
{
    /// <summary>The network. Default MobileFaceNet, which trains in reasonable time on a CPU.</summary>
    public BackboneKind Backbone { get; init; } = BackboneKind.MobileFaceNet;

    /// <summary>Side of the square network input in pixels; a multiple of 16. Default 112.</summary>
    public int ImageSize { get; init; } = 112;

    /// <summary>Embedding length D. Default 512.</summary>
    public int EmbeddingSize { get; init; } = 512;

    /// <summary>The margin loss and its hyper-parameters (KappaFace by default).</summary>
    public MarginOptions Margin { get; init; } = new();

    /// <summary>
    /// Passes over the training set. Default 10 from scratch and <see cref="FineTuningEpochs"/> with
    /// <see cref="InitialModel"/> (a set value holds either way): a pretrained network needs only a short schedule,
    /// and longer ones on small data fit the training identities at the expense of unseen ones.
    /// </summary>
    public int Epochs
    {
        get => _epochs ?? (InitialModel is null ? ScratchEpochs : FineTuningEpochs);
        init => _epochs = value;
    }

    /// <summary>The default of <see cref="Epochs"/> when training from scratch.</summary>
    public const int ScratchEpochs = 10;

    /// <summary>The default of <see cref="Epochs"/> when fine-tuning (<see cref="InitialModel"/> set).</summary>
    public const int FineTuningEpochs = 3;

    private readonly int? _epochs;

    /// <summary>Images per optimiser step. Default 64.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>Optimiser. Default SGD.</summary>
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Sgd;

    /// <summary>Peak learning rate. Default 0.1 (the reference rate at batch 512; lower it for AdamW, e.g. 1e-3).</summary>
    public double LearningRate { get; init; } = 0.1;

    /// <summary>SGD momentum. Default 0.9.</summary>
    public double Momentum { get; init; } = 0.9;

    /// <summary>Weight decay, applied to backbone and class centres alike as in the references. Default 5e-4.</summary>
    public double WeightDecay { get; init; } = 5e-4;

    /// <summary>Linear warm-up length in epochs (fractions allowed). Default 0, as the reference.</summary>
    public double WarmupEpochs { get; init; }

    /// <summary>Decay after warm-up. Default cosine.</summary>
    public LearningRateDecay Decay { get; init; } = LearningRateDecay.Cosine;

    /// <summary>Epochs at which <see cref="LearningRateDecay.Step"/> multiplies the rate by <see cref="StepFactor"/>.</summary>
    public IReadOnlyList<int> StepEpochs { get; init; } = [10, 18, 22];

    /// <summary>Factor of each step decay. Default 0.1.</summary>
    public double StepFactor { get; init; } = 0.1;

    /// <summary>Power of <see cref="LearningRateDecay.Polynomial"/>. Default 2, as insightface.</summary>
    public double PolynomialPower { get; init; } = 2;

    /// <summary>Global L2 norm the backbone gradient is clipped to; 0 disables. Default 5 (class centres are not clipped).</summary>
    public double GradientClipNorm { get; init; } = 5;

    /// <summary>Random horizontal flips of training images. Default true.</summary>
    public bool HorizontalFlip { get; init; } = true;

    /// <summary>Seed for weights, shuffling, flips and the KappaFace memory. Default 1.</summary>
    public int Seed { get; init; } = 1;

    /// <summary><c>auto</c> (CUDA when TorchSharp sees it, else CPU), <c>cpu</c>, <c>cuda</c> or <c>cuda:N</c>. Default auto.</summary>
    public string Device { get; init; } = "auto";

    /// <summary>Intra-op CPU threads for libtorch; null keeps libtorch's choice (all cores).</summary>
    public int? Threads { get; init; }

    /// <summary>Folder for checkpoints; null writes none. Checkpoints are written atomically at every epoch end and on cancellation.</summary>
    public string? CheckpointDirectory { get; init; }

    /// <summary>Also write a checkpoint every this many steps; 0 means only at epoch ends. Default 0.</summary>
    public int CheckpointEverySteps { get; init; }

    /// <summary>How many checkpoints to keep (the newest ones); at least 2 so a damaged newest one has a fallback. Default 3.</summary>
    public int CheckpointsToKeep { get; init; } = 3;

    /// <summary>Continue from the newest valid checkpoint in <see cref="CheckpointDirectory"/> when there is one. Default false.</summary>
    public bool Resume { get; init; }

    /// <summary>Balanced pairs drawn from the validation identities each epoch. Default 2000.</summary>
    public int ValidationPairs { get; init; } = 2000;

    /// <summary>
    /// Tune glibc's malloc before training and run the step loop on a thread of its main arena, so that large
    /// tensor buffers are reused instead of page-faulted in every step (Linux only; see GlibcAllocatorTuning and
    /// MainArenaThread). Default true.
    /// </summary>
    public bool TuneAllocator { get; init; } = true;

    /// <summary>
    /// Threads that decode and convert a batch's images in the background; null uses one for images in memory and
    /// every core but one (at least 1) for images decoded on the fly (<see cref="Data.StreamingTrainingImages"/>).
    /// </summary>
    public int? DecodeWorkers { get; init; }

    /// <summary>
    /// Batches assembled ahead of the one being trained on (the bounded queue of the batch pipeline). Each costs
    /// <c>BatchSize x 3 x S x S</c> floats (9.6 MB at 64 x 112 px). Default 3.
    /// </summary>
    public int PrefetchBatches { get; init; } = 3;

    /// <summary>Report progress every this many steps. Default 1.</summary>
    public int ProgressEverySteps { get; init; } = 1;

    /// <summary>
    /// A KappaFace embedding model (exported by this library, or a foreign one wrapped by
    /// <c>kappaface import</c>) to fine-tune instead of building a fresh <see cref="Backbone"/>; null (the
    /// default) trains from scratch. <see cref="ImageSize"/> and <see cref="EmbeddingSize"/> must match its
    /// model card. The class centres start at each identity's normalised mean embedding under this model,
    /// so the first steps do not disturb the pretrained features with random centres.
    /// </summary>
    public string? InitialModel { get; init; }

    /// <summary>
    /// With <see cref="InitialModel"/>: the backbone trains at <see cref="LearningRate"/> times this factor
    /// while the class centres train at <see cref="LearningRate"/>. Default 0.1 (backbone 0.01 and head 0.1
    /// with the default rate): pretrained features need small steps, fresh centres large ones.
    /// Ignored when training from scratch.
    /// </summary>
    public double BackboneLearningRateScale { get; init; } = 0.1;

    /// <summary>
    /// Keep every batch norm of the backbone in eval mode while training: running statistics stay as they
    /// were (the pretrained model's, when fine-tuning) and batches are normalised with them; the affine
    /// scales and shifts still train. Default true with <see cref="InitialModel"/> and false from scratch (a set
    /// value holds either way): a small fine-tuning set's batch statistics are noisy estimates of the pretrained
    /// network's, while a fresh network has no statistics worth keeping.
    /// </summary>
    public bool FreezeBatchNorm
    {
        get => _freezeBatchNorm ?? InitialModel is not null;
        init => _freezeBatchNorm = value;
    }

    private readonly bool? _freezeBatchNorm;

    /// <summary>
    /// With <see cref="InitialModel"/>: the fraction of the backbone's layers, counted in forward order from the
    /// input (every node with weights: convolutions, batch norms, PReLUs, fully connected layers), whose weights do
    /// not train; their batch norms also keep their statistics. In [0, 1). Default 0 (every layer trains).
    /// Early layers compute generic edges and textures, so freezing them saves gradient work and keeps a small set
    /// from overwriting them. Ignored when training from scratch.
    /// </summary>
    public double FrozenLayerFraction { get; init; }

    /// <summary>Checks every value and throws <see cref="ArgumentOutOfRangeException"/> naming the first bad one.</summary>
    public void Validate()
    {
        Check(ImageSize > 0 && ImageSize % 16 == 0, nameof(ImageSize), ImageSize, "a positive multiple of 16");
        Check(EmbeddingSize > 0, nameof(EmbeddingSize), EmbeddingSize, "positive");
        Check(Epochs > 0, nameof(Epochs), Epochs, "positive");
        Check(BatchSize >= 2, nameof(BatchSize), BatchSize, "at least 2 (BatchNorm needs two samples)");
        Check(LearningRate > 0 && double.IsFinite(LearningRate), nameof(LearningRate), LearningRate, "positive and finite");
        Check(Momentum is >= 0 and < 1, nameof(Momentum), Momentum, "in [0, 1)");
        Check(WeightDecay >= 0, nameof(WeightDecay), WeightDecay, "non-negative");
        Check(WarmupEpochs >= 0 && WarmupEpochs <= Epochs, nameof(WarmupEpochs), WarmupEpochs, "in [0, Epochs]");
        Check(StepFactor is > 0 and <= 1, nameof(StepFactor), StepFactor, "in (0, 1]");
        Check(PolynomialPower > 0, nameof(PolynomialPower), PolynomialPower, "positive");
        Check(GradientClipNorm >= 0, nameof(GradientClipNorm), GradientClipNorm, "non-negative");
        Check(Threads is null or > 0, nameof(Threads), Threads ?? 0, "positive");
        Check(CheckpointEverySteps >= 0, nameof(CheckpointEverySteps), CheckpointEverySteps, "non-negative");
        Check(CheckpointsToKeep >= 2, nameof(CheckpointsToKeep), CheckpointsToKeep, "at least 2");
        Check(ValidationPairs >= 20, nameof(ValidationPairs), ValidationPairs, "at least 20");
        Check(DecodeWorkers is null or > 0, nameof(DecodeWorkers), DecodeWorkers ?? 0, "positive");
        Check(PrefetchBatches >= 1, nameof(PrefetchBatches), PrefetchBatches, "at least 1");
        Check(BackboneLearningRateScale is > 0 and <= 1, nameof(BackboneLearningRateScale), BackboneLearningRateScale, "in (0, 1]");
        Check(FrozenLayerFraction is >= 0 and < 1, nameof(FrozenLayerFraction), FrozenLayerFraction, "in [0, 1)");
        Check(ProgressEverySteps >= 1, nameof(ProgressEverySteps), ProgressEverySteps, "at least 1");
        if (Resume && CheckpointDirectory is null)
        {
            throw new ArgumentOutOfRangeException(nameof(Resume), Resume, "Resume needs a CheckpointDirectory.");
        }
        if (CheckpointEverySteps > 0 && CheckpointDirectory is null)
        {
            throw new ArgumentOutOfRangeException(nameof(CheckpointEverySteps), CheckpointEverySteps, "CheckpointEverySteps needs a CheckpointDirectory.");
        }
        ArgumentNullException.ThrowIfNull(Margin, nameof(Margin));
        Margin.Validate();
    }

    private static void Check(bool ok, string name, object value, string expected)
    {
        if (!ok)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be {expected}; got {value}.");
        }
    }
}
