using System.CommandLine;
using KappaFace.MLNet.Trainer.Backbones;
using KappaFace.MLNet.Trainer.Concentration;
using KappaFace.MLNet.Trainer.Heads;
using KappaFace.MLNet.Trainer.Training;

namespace KappaFace.MLNet.Cli.Commands;

/// <summary>The training options shared by <c>train</c> and <c>demo</c>, and their mapping to <see cref="FaceTrainerOptions"/>.</summary>
internal sealed class TrainingOptionSet
{
    public Option<string> Loss { get; } = new("--loss") { Description = "kappaface, arcface or cosface.", DefaultValueFactory = _ => "kappaface" };
    public Option<string> Backbone { get; }
    public Option<int> ImageSize { get; }
    public Option<int> EmbeddingSize { get; }
    public Option<int> Epochs { get; }
    public Option<int> BatchSize { get; } = new("--batch-size") { Description = "Images per step.", DefaultValueFactory = _ => 64 };
    public Option<double?> LearningRate { get; } = new("--lr") { Description = "Peak learning rate (default 0.1 for SGD, 0.001 for AdamW)." };
    public Option<string> Optimizer { get; } = new("--optimizer") { Description = "sgd or adamw.", DefaultValueFactory = _ => "sgd" };
    public Option<string> Schedule { get; } = new("--schedule") { Description = "cosine, poly or step.", DefaultValueFactory = _ => "cosine" };
    public Option<double> Warmup { get; } = new("--warmup-epochs") { Description = "Linear warm-up length in epochs.", DefaultValueFactory = _ => 0 };
    public Option<double?> Margin { get; } = new("--margin") { Description = "m0 for KappaFace (0.8), m for ArcFace (0.5) / CosFace (0.35)." };
    public Option<double> Scale { get; } = new("--scale") { Description = "Logit scale s.", DefaultValueFactory = _ => 64 };
    public Option<int> Seed { get; } = new("--seed") { Description = "Seed for weights, order and augmentation.", DefaultValueFactory = _ => 1 };
    public Option<string> Device { get; } = new("--device") { Description = "auto, cpu, cuda or cuda:N.", DefaultValueFactory = _ => "auto" };
    public Option<int?> Threads { get; } = new("--threads") { Description = "CPU threads for libtorch (default: all cores)." };
    public Option<double> SampleRate { get; } = new("--sample-rate") { Description = "PartialFC: fraction of class centres per step, in (0, 1]; 1 is the full softmax.", DefaultValueFactory = _ => 1.0 };
    public Option<int?> DecodeWorkers { get; } = new("--decode-workers") { Description = "Background threads decoding and converting images (default: cores - 1, at least 1)." };
    public Option<string> MemoryBuffer { get; } = new("--memory-buffer") { Description = "KappaFace memory buffer precision: fp32 or fp16 (half the memory).", DefaultValueFactory = _ => "fp32" };

    public TrainingOptionSet(string defaultBackbone, int defaultImageSize, int defaultEmbeddingSize, int defaultEpochs)
    {
        Backbone = new("--backbone") { Description = "tiny, mobilefacenet, iresnet18, iresnet34, iresnet50 or iresnet100.", DefaultValueFactory = _ => defaultBackbone };
        ImageSize = new("--image-size") { Description = "Square input side, a multiple of 16.", DefaultValueFactory = _ => defaultImageSize };
        EmbeddingSize = new("--embedding-size") { Description = "Embedding length.", DefaultValueFactory = _ => defaultEmbeddingSize };
        Epochs = new("--epochs") { Description = "Passes over the training set.", DefaultValueFactory = _ => defaultEpochs };
    }

    public void AddTo(Command command)
    {
        foreach (Option option in new Option[] { Loss, Backbone, ImageSize, EmbeddingSize, Epochs, BatchSize, LearningRate, Optimizer, Schedule, Warmup, Margin, Scale, Seed, Device, Threads, SampleRate, DecodeWorkers, MemoryBuffer })
        {
            command.Add(option);
        }
    }

    /// <summary>Builds validated trainer options; bad words raise <see cref="ArgumentException"/> naming the option.</summary>
    public FaceTrainerOptions Read(ParseResult parse)
    {
        var optimizer = ParseOptimizer(parse.GetValue(Optimizer)!);
        var options = new FaceTrainerOptions
        {
            Backbone = BackboneFactory.Parse(parse.GetValue(Backbone)!),
            ImageSize = parse.GetValue(ImageSize),
            EmbeddingSize = parse.GetValue(EmbeddingSize),
            Epochs = parse.GetValue(Epochs),
            BatchSize = parse.GetValue(BatchSize),
            Optimizer = optimizer,
            LearningRate = parse.GetValue(LearningRate) ?? (optimizer == OptimizerKind.AdamW ? 1e-3 : 0.1),
            Decay = ParseSchedule(parse.GetValue(Schedule)!),
            WarmupEpochs = parse.GetValue(Warmup),
            Seed = parse.GetValue(Seed),
            Device = parse.GetValue(Device)!,
            Threads = parse.GetValue(Threads),
            DecodeWorkers = parse.GetValue(DecodeWorkers),
            Margin = new MarginOptions
            {
                Loss = ParseLoss(parse.GetValue(Loss)!),
                Margin = parse.GetValue(Margin),
                Scale = parse.GetValue(Scale),
                SampleRate = parse.GetValue(SampleRate),
                MemoryBufferPrecision = ParseMemoryBuffer(parse.GetValue(MemoryBuffer)!),
            },
        };
        return options;
    }

    public static MarginLossKind ParseLoss(string text) => text.ToLowerInvariant() switch
    {
        "kappaface" => MarginLossKind.KappaFace,
        "arcface" => MarginLossKind.ArcFace,
        "cosface" => MarginLossKind.CosFace,
        _ => throw new ArgumentException($"--loss '{text}' is not known; use kappaface, arcface or cosface."),
    };

    private static MemoryBufferPrecision ParseMemoryBuffer(string text) => text.ToLowerInvariant() switch
    {
        "fp32" or "float32" => MemoryBufferPrecision.Fp32,
        "fp16" or "float16" => MemoryBufferPrecision.Fp16,
        _ => throw new ArgumentException($"--memory-buffer '{text}' is not known; use fp32 or fp16."),
    };

    private static OptimizerKind ParseOptimizer(string text) => text.ToLowerInvariant() switch
    {
        "sgd" => OptimizerKind.Sgd,
        "adamw" => OptimizerKind.AdamW,
        _ => throw new ArgumentException($"--optimizer '{text}' is not known; use sgd or adamw."),
    };

    private static LearningRateDecay ParseSchedule(string text) => text.ToLowerInvariant() switch
    {
        "cosine" => LearningRateDecay.Cosine,
        "poly" or "polynomial" => LearningRateDecay.Polynomial,
        "step" => LearningRateDecay.Step,
        _ => throw new ArgumentException($"--schedule '{text}' is not known; use cosine, poly or step."),
    };
}
