using System.Collections.Concurrent;
using System.Globalization;
using KappaFace.MLNet.Onnx;
using KappaFace.MLNet.Trainer.Backbones;
using KappaFace.MLNet.Trainer.Export;
using KappaFace.MLNet.Trainer.Heads;
using KappaFace.MLNet.Trainer.Platform;
using KappaFace.MLNet.Trainer.Training;
using KappaFace.MLNet.Transforms;
using KappaFace.MLNet.Transforms.Embedding;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

namespace KappaFace.MLNet.Trainer.MLNet;

/// <summary>
/// Trains a face-embedding network inside an ML.NET pipeline (README, "Training on your own faces") and returns the fitted
/// embedding chain. Made by <c>mlContext.FaceRecognition().Trainers.KappaFace(...)</c>,
/// <c>ArcFace(...)</c> or <c>CosFace(...)</c>.
/// </summary>
/// <remarks>
/// <para>
/// Input: the label column (a key type; key values, e.g. identity names from <c>LoadImageFolder</c>,
/// become class names in the log) and the image column (an <c>MLImage</c> of any size, which the trainer
/// resizes to the model's size itself with ML.NET's <c>ResizeImages</c>, IsoCrop centre, exactly as the
/// returned embedding chain does; or a float vector of 3 x H x H RGB planes, 0..255). Rows with a missing
/// label are skipped; only key values that occur become classes.
/// </para>
/// <para>
/// <see cref="Fit"/> reads the rows into memory, runs <see cref="FaceModelTrainer"/> on the device given by
/// <c>MLContext.GpuDeviceId</c> (null: the CPU; a device id with no usable CUDA: the CPU with a logged
/// warning when <c>MLContext.FallbackToCpu</c>, else an <see cref="InvalidOperationException"/>), logs to
/// the <c>MLContext</c> log (channel <c>KappaFace</c>), exports the model to ONNX with its model card
/// (<see cref="FaceRecognitionTrainerOptions.ModelPath"/> or a temporary file) and returns
/// <c>ApplyFaceEmbedding</c> fitted on that model: built-in ML.NET transformers only, so
/// <c>mlContext.Model.Save/Load</c> works in a fresh <c>MLContext</c> with no registration.
/// </para>
/// </remarks>
public sealed class FaceRecognitionTrainer : IEstimator<TransformerChain<ITransformer>>
{
    private static readonly ConcurrentDictionary<(int Size, int Dimension), byte[]> StandIns = new();
    private readonly MLContext _mlContext;
    private readonly FaceRecognitionTrainerOptions _options;
    private readonly MarginLossKind _loss;

    internal FaceRecognitionTrainer(MLContext mlContext, FaceRecognitionTrainerOptions options, MarginLossKind loss)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(options.Training, nameof(options));
        ArgumentException.ThrowIfNullOrWhiteSpace(options.LabelColumnName, nameof(options));
        ArgumentException.ThrowIfNullOrWhiteSpace(options.ImageColumnName, nameof(options));
        ArgumentException.ThrowIfNullOrWhiteSpace(options.OutputColumnName, nameof(options));
        if (options.ValidationFraction is < 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.ValidationFraction,
                Invariant($"FaceRecognitionTrainerOptions.ValidationFraction must be in [0, 1); got {options.ValidationFraction}."));
        }

        _mlContext = mlContext;
        _options = options;
        _loss = loss;
        EffectiveTraining(device: "cpu").Validate();
    }

    /// <summary>The loss this estimator trains with.</summary>
    public MarginLossKind Loss => _loss;

    /// <summary>The ONNX model written by the latest <see cref="Fit"/>, or null before the first.</summary>
    public string? LastModelPath { get; private set; }

    /// <summary>What the latest <see cref="Fit"/> measured (epochs, device, classes, images), or null before the first.</summary>
    public FaceTrainingSummary? LastTraining { get; private set; }

    /// <summary>Trains on <paramref name="input"/> and returns the fitted embedding chain.</summary>
    /// <param name="input">Rows with the label and image columns.</param>
    /// <returns><c>ApplyFaceEmbedding</c> fitted on the trained model (built-in transformers only).</returns>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or has the wrong type or length; the message names it.</exception>
    /// <exception cref="InvalidOperationException">CUDA was asked for through <c>MLContext.GpuDeviceId</c> without <c>FallbackToCpu</c> and is not usable, or the data has a non-finite pixel.</exception>
    /// <exception cref="ArgumentException">The data has fewer than 2 identities or images.</exception>
    public TransformerChain<ITransformer> Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        int size = _options.Training.ImageSize;
        TrainingRows.Check(input.Schema, _options.LabelColumnName, _options.ImageColumnName, size);
        var host = (IHostEnvironment)_mlContext;
        using IChannel channel = host.Start("KappaFace");
        string device = ChooseDevice(channel);
        FaceTrainerOptions training = EffectiveTraining(device);

        (KappaFace.MLNet.Data.FaceImageSet set, int skipped) = TrainingRows.Read(_mlContext, input, _options.LabelColumnName, _options.ImageColumnName, size);
        channel.Info(MessageSensitivity.None, Invariant($"Read {set.Count} images of {set.ClassCount} identities at {size}x{size}")
            + (skipped > 0 ? Invariant($"; skipped {skipped} rows with a missing label.") : "."));

        (KappaFace.MLNet.Data.FaceImageSet train, KappaFace.MLNet.Data.FaceImageSet? validation) = HoldOut(set, _options.ValidationFraction, training.Seed, channel);
        var progress = new Progress(channel, _options.Progress);
        var trainer = new FaceModelTrainer(training, message => channel.Info(MessageSensitivity.None, message));
        TrainingResult result = trainer.Train(train, validation, progress, _options.CancellationToken);
        using FaceBackbone backbone = result.Backbone;
        ModelCard card = ModelCardAssembler.ForTraining(training, result);
        string path = _options.ModelPath ?? Path.Combine(Path.GetTempPath(), $"kappaface-{Guid.NewGuid():N}.onnx");
        OnnxExporter.Export(backbone, card, path);
        channel.Info(MessageSensitivity.None, Invariant($"Exported the {card.Backbone} model ({card.EmbeddingSize}-d embedding) to {path}."));
        LastModelPath = path;
        LastTraining = new FaceTrainingSummary(result.Epochs, result.Device, result.Classes, result.Images, training.Seed, path);

        return Embedding(File.ReadAllBytes(path)).Fit(input);
    }

    /// <summary>
    /// The output schema: the input columns plus the embedding column, of the type the fitted chain
    /// writes (<c>Vector&lt;Single, 1, D&gt;</c>; D floats). Computed by <c>ApplyFaceEmbedding</c> itself on an
    /// untrained stand-in model of the same input and embedding size.
    /// </summary>
    /// <param name="inputSchema">The input schema shape.</param>
    /// <returns>The output schema shape.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or has the wrong type; the message names it.</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        TrainingRows.Check(inputSchema, _options.LabelColumnName, _options.ImageColumnName, _options.Training.ImageSize);
        byte[] standIn = StandIns.GetOrAdd((_options.Training.ImageSize, _options.Training.EmbeddingSize), key =>
        {
            // Free the initialisation temporaries now rather than leaving them to finalizers during a later training run.
            using var scope = TorchSharp.torch.NewDisposeScope();
            using FaceBackbone backbone = BackboneFactory.Create(BackboneKind.Tiny, key.Size, key.Dimension);
            return OnnxExporter.ToBytes(backbone, ModelCardAssembler.ForBackbone(backbone));
        });
        return Embedding(standIn).GetOutputSchema(inputSchema);
    }

    // With a validation fraction, whole identities are held out so each epoch reports verification accuracy
    // on people the network never saw; the model is then trained on the rest only.
    private static (KappaFace.MLNet.Data.FaceImageSet Train, KappaFace.MLNet.Data.FaceImageSet? Validation) HoldOut(
        KappaFace.MLNet.Data.FaceImageSet set, double fraction, int seed, IChannel channel)
    {
        if (fraction == 0)
        {
            return (set, null);
        }

        var (train, validation) = set.SplitByIdentity(fraction, seed);
        channel.Info(MessageSensitivity.None, Invariant(
            $"Held out {validation.ClassCount} identities ({validation.Count} images) for per-epoch validation; training on {train.ClassCount} identities."));
        return (train, validation);
    }

    private FaceEmbeddingEstimator Embedding(byte[] model) =>
        _mlContext.Transforms.ApplyFaceEmbedding(new FaceEmbeddingOptions
        {
            ModelBytes = model,
            InputColumnName = _options.ImageColumnName,
            OutputColumnName = _options.OutputColumnName,
            FallbackToCpu = _mlContext.FallbackToCpu,
        });

    /// <summary>
    /// <see cref="FaceTrainerOptions.Device"/> when the caller set one other than <c>auto</c>; otherwise ML.NET's
    /// convention: cuda:N for <c>MLContext.GpuDeviceId</c> = N when TorchSharp can use CUDA, the CPU when it is
    /// null, and the CPU or an error (per <c>MLContext.FallbackToCpu</c>) when CUDA is not usable.
    /// </summary>
    private string ChooseDevice(IChannel channel)
    {
        if (!string.Equals(_options.Training.Device, "auto", StringComparison.OrdinalIgnoreCase))
        {
            return _options.Training.Device;
        }

        if (_mlContext.GpuDeviceId is not int id)
        {
            return "cpu";
        }

        if (TorchDeviceSelector.IsCudaAvailable())
        {
            return Invariant($"cuda:{id}");
        }

        string reason = Invariant($"MLContext.GpuDeviceId is {id} but TorchSharp sees no CUDA device (this build uses the CPU libtorch backend ")
            + ("unless built with -p:TorchBackend=cuda, or no NVIDIA driver is present)");
        if (_mlContext.FallbackToCpu)
        {
            channel.Warning(MessageSensitivity.None, reason + "; training on the CPU (MLContext.FallbackToCpu).");
            return "cpu";
        }

        throw new InvalidOperationException(reason + ". Set MLContext.FallbackToCpu = true to train on the CPU instead, or GpuDeviceId = null.");
    }

    /// <summary>The training options of this run: the caller's with this estimator's loss and the chosen device.</summary>
    private FaceTrainerOptions EffectiveTraining(string device)
    {
        ArgumentNullException.ThrowIfNull(_options.Training.Margin, nameof(FaceTrainerOptions.Margin));
        return _options.Training with { Margin = _options.Training.Margin with { Loss = _loss }, Device = device };
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>Forwards progress to the caller's <see cref="IProgress{T}"/> and, once per epoch, to the ML.NET log.</summary>
    private sealed class Progress(IChannel channel, IProgress<TrainingProgress>? inner) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value)
        {
            inner?.Report(value);
            string line = Invariant($"Epoch {value.Epoch}/{value.Epochs} step {value.Step}/{value.StepsPerEpoch}: loss {value.Loss:F4}, lr {value.LearningRate:G4}, {value.ImagesPerSecond:F1} images/s, {value.Remaining:hh\\:mm\\:ss} left");
            if (value.Step == value.StepsPerEpoch)
            {
                channel.Info(MessageSensitivity.None, line);
            }
            else
            {
                channel.Trace(MessageSensitivity.None, line);
            }
        }
    }
}

/// <summary>What a <see cref="FaceRecognitionTrainer.Fit"/> run measured.</summary>
/// <param name="Epochs">One report per epoch (loss, rate, throughput, KappaFace state).</param>
/// <param name="Device">The device trained on (<c>cpu</c> or <c>cuda:N</c>).</param>
/// <param name="Classes">Identities trained on.</param>
/// <param name="Images">Images trained on.</param>
/// <param name="Seed">The seed used.</param>
/// <param name="ModelPath">The exported ONNX model.</param>
public sealed record FaceTrainingSummary(IReadOnlyList<EpochReport> Epochs, string Device, int Classes, int Images, int Seed, string ModelPath);
