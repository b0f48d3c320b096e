using System.CommandLine;
using KappaFace.MLNet.Onnx;
using KappaFace.MLNet.Trainer.Backbones;
using KappaFace.MLNet.Trainer.Concentration;
using KappaFace.MLNet.Trainer.Export;
using KappaFace.MLNet.Trainer.Heads;
using KappaFace.MLNet.Trainer.Training;

namespace KappaFace.MLNet.Cli.Commands;

/// <summary>
/// The command-line face of <see cref="FaceTrainerOptions"/>, shared by <c>train</c> and <c>demo</c>: one table
/// in which each row declares an option (its default read from the command's defaults record) and how its value
/// lands in the record (a <c>with</c> copy). Adding a training option to the CLI is adding one row.
/// </summary>
internal sealed class TrainingOptionSet
{
    private readonly FaceTrainerOptions _defaults;
    private readonly Binding[] _bindings;

    /// <summary>Declares the table's options with the defaults of <paramref name="defaults"/>, leaving out <paramref name="omit"/>.</summary>
    /// <param name="defaults">The command's defaults (e.g. a smaller network for <c>demo</c>).</param>
    /// <param name="omit">Option names the command does not offer (e.g. <c>--loss</c> for <c>demo</c>, which trains every loss).</param>
    public TrainingOptionSet(FaceTrainerOptions defaults, params string[] omit)
    {
        _defaults = defaults;
        _bindings = [.. Table(defaults).Where(b => !omit.Contains(b.Option.Name))];
    }

    public void AddTo(Command command)
    {
        foreach (Binding binding in _bindings)
        {
            command.Add(binding.Option);
        }
    }

    /// <summary>The defaults with every option of the command line applied, in table order; bad words raise <see cref="ArgumentException"/> naming the option.</summary>
    public FaceTrainerOptions Read(ParseResult parse) => _bindings.Aggregate(_defaults, (options, binding) => binding.Apply(options, parse));

    // One row per option. Rows that depend on another row's value come after it (--lr after --optimizer).
    private static IEnumerable<Binding> Table(FaceTrainerOptions d) =>
    [
        Word("--loss", "kappaface, arcface or cosface.", ModelCardAssembler.LossName(d.Margin.Loss), (o, v) => o with { Margin = o.Margin with { Loss = ParseLoss(v) } }),
        Word("--backbone", "tiny, mobilefacenet, iresnet18, iresnet34, iresnet50 or iresnet100.", BackboneFactory.NameOf(d.Backbone), (o, v) => o with { Backbone = BackboneFactory.Parse(v) }),
        Value("--image-size", "Square input side, a multiple of 16.", d.ImageSize, (o, v) => o with { ImageSize = v }),
        Value("--embedding-size", "Embedding length.", d.EmbeddingSize, (o, v) => o with { EmbeddingSize = v }),
        Given<int>("--epochs", $"Passes over the training set (default {d.Epochs}; {FaceTrainerOptions.FineTuningEpochs} with --init).", (o, v) => o with { Epochs = v }),
        Value("--batch-size", "Images per step.", d.BatchSize, (o, v) => o with { BatchSize = v }),
        Word("--optimizer", "sgd or adamw.", d.Optimizer.ToString().ToLowerInvariant(), (o, v) => o with { Optimizer = ParseOptimizer(v) }),
        Value<double?>("--lr", "Peak learning rate (default 0.1 for SGD, 0.001 for AdamW).", null, (o, v) => o with { LearningRate = v ?? (o.Optimizer == OptimizerKind.AdamW ? 1e-3 : 0.1) }),
        Word("--schedule", "cosine, poly or step.", ScheduleName(d.Decay), (o, v) => o with { Decay = ParseSchedule(v) }),
        Value("--warmup-epochs", "Linear warm-up length in epochs.", d.WarmupEpochs, (o, v) => o with { WarmupEpochs = v }),
        Value("--margin", "m0 for KappaFace (0.8), m for ArcFace (0.5) / CosFace (0.35).", d.Margin.Margin, (o, v) => o with { Margin = o.Margin with { Margin = v } }),
        Given<double>("--scale", $"Logit scale s (default: from the class count, {MarginOptions.SmallDataScale:0} to {MarginOptions.LargeDataScale:0}; about 27 for 125 identities; docs/training.md).",
            (o, v) => o with { Margin = o.Margin with { Scale = v } }),
        Value("--seed", "Seed for weights, order and augmentation.", d.Seed, (o, v) => o with { Seed = v }),
        Device(d.Device),
        Value("--threads", "CPU threads for libtorch (default: all cores).", d.Threads, (o, v) => o with { Threads = v }),
        Value("--sample-rate", "PartialFC: fraction of class centres per step, in (0, 1]; 1 is the full softmax.", d.Margin.Sampling.SampleRate,
            (o, v) => o with { Margin = o.Margin with { Sampling = o.Margin.Sampling with { SampleRate = v } } }),
        Value("--decode-workers", "Background threads decoding and converting images (default: cores - 1, at least 1).", d.DecodeWorkers, (o, v) => o with { DecodeWorkers = v }),
        Word("--memory-buffer", "KappaFace memory buffer precision: fp32 or fp16 (half the memory).", d.Margin.KappaFace.MemoryBufferPrecision.ToString().ToLowerInvariant(),
            (o, v) => o with { Margin = o.Margin with { KappaFace = o.Margin.KappaFace with { MemoryBufferPrecision = ParseMemoryBuffer(v) } } }),
        Value<string?>("--checkpoint-dir", "Folder for atomic checkpoints (every epoch and on Ctrl+C).", d.CheckpointDirectory,
            (o, v) => o with { CheckpointDirectory = v is null ? null : Path.GetFullPath(v) }),
        Value("--checkpoint-every", "Also write a checkpoint every N training steps (0: only at epoch ends). Needs --checkpoint-dir.", d.CheckpointEverySteps, (o, v) => o with { CheckpointEverySteps = v }),
        Value("--resume", "Continue from the newest valid checkpoint in --checkpoint-dir.", d.Resume, (o, v) => o with { Resume = v }),
        Given<bool>("--freeze-bn", "Keep batch-norm statistics fixed (eval mode) while training (default: on with --init, off otherwise; `--freeze-bn false` turns it off).",
            (o, v) => o with { FreezeBatchNorm = v }),
        Value("--freeze-layers", "With --init: fraction of the backbone's layers, from the input, that do not train (0 to <1).", d.FrozenLayerFraction,
            (o, v) => o with { FrozenLayerFraction = v }),
        Value("--backbone-lr-scale", "With --init: the backbone's learning rate as a fraction of --lr (the class centres use --lr).", d.BackboneLearningRateScale, (o, v) => o with { BackboneLearningRateScale = v }),
        // After --image-size and --embedding-size: a model to fine-tune fixes both through its card.
        Value<string?>("--init", "Fine-tune this KappaFace model (from `kappaface import` or `train`) instead of a fresh backbone; sizes come from its card (a different --image-size or --embedding-size is an error).", d.InitialModel,
            (o, v) => v is null ? o : FromCard(o, d, Path.GetFullPath(v))),
    ];

    /// <summary>
    /// The model's sizes replace the defaults; a size set on the command line that differs from the model's is an
    /// error rather than silently overridden (the network cannot change its input or embedding size).
    /// </summary>
    private static FaceTrainerOptions FromCard(FaceTrainerOptions options, FaceTrainerOptions defaults, string model)
    {
        var card = ModelCard.ReadFrom(model);
        Conflict("--image-size", options.ImageSize, defaults.ImageSize, card.InputSize, "input size", model);
        Conflict("--embedding-size", options.EmbeddingSize, defaults.EmbeddingSize, card.EmbeddingSize, "embedding size", model);
        return options with { InitialModel = model, ImageSize = card.InputSize, EmbeddingSize = card.EmbeddingSize };
    }

    private static void Conflict(string option, int value, int defaultValue, int modelValue, string what, string model)
    {
        if (value != defaultValue && value != modelValue)
        {
            throw new ArgumentException(
                $"{option} {value} conflicts with --init {model}, whose {what} is {modelValue}; leave {option} out when fine-tuning.");
        }
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

    private static string ScheduleName(LearningRateDecay decay) => decay == LearningRateDecay.Polynomial ? "poly" : decay.ToString().ToLowerInvariant();

    private static LearningRateDecay ParseSchedule(string text) => text.ToLowerInvariant() switch
    {
        "cosine" => LearningRateDecay.Cosine,
        "poly" or "polynomial" => LearningRateDecay.Polynomial,
        "step" => LearningRateDecay.Step,
        _ => throw new ArgumentException($"--schedule '{text}' is not known; use cosine, poly or step."),
    };

    /// <summary>A row whose value is stored as parsed.</summary>
    private static Binding Value<T>(string name, string description, T defaultValue, Func<FaceTrainerOptions, T, FaceTrainerOptions> apply)
    {
        var option = new Option<T>(name) { Description = description, DefaultValueFactory = _ => defaultValue };
        return new Binding(option, (o, parse) => apply(o, parse.GetValue(option)!));
    }

    /// <summary>
    /// A row applied only when the option is on the command line: otherwise the record keeps its own default, which
    /// may depend on other values (e.g. <see cref="FaceTrainerOptions.Epochs"/> on <see cref="FaceTrainerOptions.InitialModel"/>).
    /// </summary>
    private static Binding Given<T>(string name, string description, Func<FaceTrainerOptions, T, FaceTrainerOptions> apply)
    {
        var option = new Option<T>(name) { Description = description };
        return new Binding(option, (o, parse) => parse.GetResult(option) is { Implicit: false } ? apply(o, parse.GetValue(option)!) : o);
    }

    /// <summary>A row whose word is turned into a value by the row's own parser (which names the option when the word is unknown).</summary>
    private static Binding Word(string name, string description, string defaultWord, Func<FaceTrainerOptions, string, FaceTrainerOptions> apply) =>
        Value(name, description, defaultWord, apply);

    /// <summary>The shared <c>--device</c> row: declared and checked by <see cref="DeviceOption"/>.</summary>
    private static Binding Device(string defaultValue)
    {
        var option = DeviceOption.Create(defaultValue);
        return new Binding(option, (o, parse) => o with { Device = DeviceOption.Read(parse, option) });
    }

    private sealed record Binding(Option Option, Func<FaceTrainerOptions, ParseResult, FaceTrainerOptions> Apply);
}
