using System.Text.Json;
using KappaFace.MLNet.Trainer.Backbones;
using KappaFace.MLNet.Trainer.Data;
using KappaFace.MLNet.Trainer.Heads;
using KappaFace.MLNet.Data;
using KappaFace.MLNet.Trainer.Import;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace KappaFace.MLNet.Trainer.Training;

/// <summary>
/// Everything a training run changes: backbone, margin head, KappaFace bookkeeping, optimiser and
/// position. It performs one optimiser step at a time and captures or restores itself as checkpoint
/// sections, so that a resumed run continues bit-for-bit where it stopped.
/// </summary>
internal sealed class TrainingState : IDisposable
{
    private const int FormatVersion = 1;
    private readonly FaceTrainerOptions _options;
    private readonly ITrainingImages _data;
    private readonly Device _device;
    private readonly MarginHeadBundle _margin;
    private readonly List<Parameter> _backboneParameters;
    private readonly OptimizerHelper _optimizer;
    private readonly long[] _labels;
    private readonly double[] _groupScales;
    private FaceBackbone? _backbone;

    public TrainingState(FaceTrainerOptions options, FaceImageSet data, Device device)
        : this(options, new InMemoryTrainingImages(data), device)
    {
    }

    public TrainingState(FaceTrainerOptions options, ITrainingImages data, Device device)
    {
        _options = options;
        _data = data;
        _device = device;
        _labels = data.Labels.Select(l => (long)l).ToArray();
        torch.manual_seed(options.Seed);
        _backbone = NewBackbone(options);
        _backbone.to(device);
        IReadOnlyList<NormBase> frozenNorms = options.InitialModel is null ? [] : FineTuning.FreezeLeadingLayers(_backbone, options.FrozenLayerFraction);
        FineTuning.TrainMode(_backbone, options.FreezeBatchNorm, frozenNorms);
        FaceBackbone online = _backbone;
        _margin = MarginHeadFactory.Create(
            options.Margin, data.ClassCounts(), options.EmbeddingSize, online,
            () => NewBackbone(options), options.Seed, device: device);
        _backboneParameters = _backbone.parameters().Where(p => p.requires_grad).ToList();
        var head = _margin.Head.parameters().Where(p => p.requires_grad).ToList();
        double lr = options.LearningRate;
        if (options.InitialModel is null)
        {
            // One group, as checkpoints written before fine-tuning existed hold (their optimiser state must still load).
            _groupScales = [1];
            var trainable = _backboneParameters.Concat(head).ToList();
            _optimizer = options.Optimizer == OptimizerKind.AdamW
                ? optim.AdamW(trainable, lr, weight_decay: options.WeightDecay)
                : optim.SGD(trainable, lr, momentum: options.Momentum, weight_decay: options.WeightDecay);
            return;
        }

        // A pretrained backbone moves more slowly than the fresh class centres (FaceTrainerOptions.BackboneLearningRateScale).
        // Every group states its momentum and weight decay: a TorchSharp parameter group does not inherit
        // the optimiser's, so a group built with the learning rate alone would train without either.
        double backboneScale = options.BackboneLearningRateScale;
        _groupScales = [backboneScale, 1];
        _optimizer = options.Optimizer == OptimizerKind.AdamW
            ? optim.AdamW([new AdamW.ParamGroup(_backboneParameters, lr: lr * backboneScale, weight_decay: options.WeightDecay),
                           new AdamW.ParamGroup(head, lr: lr, weight_decay: options.WeightDecay)],
                lr, weight_decay: options.WeightDecay)
            : optim.SGD([new SGD.ParamGroup(_backboneParameters, lr: lr * backboneScale, momentum: options.Momentum, weight_decay: options.WeightDecay),
                         new SGD.ParamGroup(head, lr: lr, momentum: options.Momentum, weight_decay: options.WeightDecay)],
                lr, momentum: options.Momentum, weight_decay: options.WeightDecay);
    }

    /// <summary>
    /// When fine-tuning, puts each class centre at its identity's normalised mean embedding under the pretrained
    /// backbone and, for KappaFace, starts the memory buffer from those embeddings and the first epoch's margins
    /// from their concentrations. Called for a fresh run only: a resumed one restores all of it from the checkpoint.
    /// Returns the primed KappaFace statistics (null when not fine-tuning or not KappaFace).
    /// </summary>
    public KappaFaceEpochValues? InitialiseFromBackbone()
    {
        if (_options.InitialModel is null)
        {
            return null;
        }

        using var noGrad = torch.no_grad();
        using var centres = FineTuning.ClassMeanCentres(Backbone, _data, _device, _margin.Tracker is { } tracker ? tracker.Prime : null);
        _margin.Head.Centres.copy_(centres);
        return EndEpoch();
    }

    /// <summary>The margin head and, for KappaFace, its bookkeeping.</summary>
    public MarginHeadBundle Margin => _margin;

    /// <summary>The network being trained.</summary>
    public FaceBackbone Backbone => _backbone ?? throw new InvalidOperationException("The backbone was handed to the result.");

    /// <summary>Optimiser steps completed since the run began.</summary>
    public long CompletedSteps { get; private set; }

    /// <summary>Sum of the losses of the current epoch's completed steps (kept for exact epoch means across a resume).</summary>
    public double EpochLossSum { get; set; }

    /// <summary>
    /// One optimiser step on an assembled batch. Returns the loss; when it is not finite nothing is updated.
    /// </summary>
    public double Step(float[] batch, ReadOnlySpan<int> indices, double learningRate)
    {
        using var scope = torch.NewDisposeScope();
        int g = 0;
        foreach (var group in _optimizer.ParamGroups)
        {
            group.LearningRate = learningRate * _groupScales[g++];
        }

        var labelValues = new long[indices.Length];
        var indexValues = new long[indices.Length];
        for (int i = 0; i < indices.Length; i++)
        {
            labelValues[i] = _labels[indices[i]];
            indexValues[i] = indices[i];
        }
        Tensor images = BatchAssembler.ToTensor(batch, _options.ImageSize, _device);
        Tensor labels = torch.tensor(labelValues, device: _device);
        Tensor sampleIndices = torch.tensor(indexValues, device: _device);

        // A bad batch must not leave NaN in BatchNorm's running statistics either: keep a copy to put back.
        var buffers = Backbone.buffers().ToList();
        var savedBuffers = buffers.Select(b => b.clone()).ToList();

        _optimizer.zero_grad();
        _margin.BeginStep(CompletedSteps);
        Tensor features = nn.functional.normalize(Backbone.call(images), p: 2, dim: 1);
        Tensor loss = _margin.Head.call(features, labels);
        double value = loss.item<float>();
        if (!double.IsFinite(value))
        {
            using var noGrad = torch.no_grad();
            for (int i = 0; i < buffers.Count; i++)
            {
                buffers[i].copy_(savedBuffers[i]);
            }
            return value;
        }
        loss.backward();
        if (_options.GradientClipNorm > 0)
        {
            nn.utils.clip_grad_norm_(_backboneParameters, _options.GradientClipNorm);
        }
        _optimizer.step();
        _margin.AfterOptimizerStep(images, sampleIndices, labels, features.detach(), Backbone);
        CompletedSteps++;
        return value;
    }

    /// <summary>
    /// One line on what the long-lived tensors take: backbone, class centres with their gradient and optimiser state,
    /// KappaFace's memory buffer and class sums. Activations are left out: they depend on the backbone's graph and
    /// batch and are only known while a step runs (the per-epoch peak RSS covers them).
    /// </summary>
    public string DescribeMemory()
    {
        // Gradient plus optimiser state per parameter value: SGD keeps one momentum buffer, AdamW two moments.
        int copies = 1 + (_options.Optimizer == OptimizerKind.AdamW ? 2 : _options.Momentum > 0 ? 1 : 0);
        long backbone = TensorBytes(Backbone.parameters());
        long centres = TensorBytes(_margin.Head.parameters());
        long memory = _margin.Tracker?.Memory?.Bytes ?? 0;
        long sums = _margin.Tracker is { } tracker ? TensorBytes([tracker.State.Sums]) : 0;
        long encoder = _margin.Tracker?.Encoder is not null ? backbone : 0;
        string precision = _margin.Tracker?.Memory is { } m ? $" ({m.Precision})" : "";
        return $"Memory: backbone {Mib(backbone)} (+{Mib(backbone * copies)} gradient and optimiser state), " +
            $"class centres {Mib(centres)} (+{Mib(centres * copies)}), memory buffer {Mib(memory)}{precision}, " +
            $"KappaFace sums {Mib(sums)}, momentum encoder {Mib(encoder)}; batch activations are not included " +
            "(they depend on backbone and batch; see the per-epoch peak RSS).";
    }

    /// <summary>Epoch-end bookkeeping: recomputes the KappaFace margins (null for other losses).</summary>
    public KappaFaceEpochValues? EndEpoch()
    {
        return _margin.EndEpoch() is { } stats
            ? new KappaFaceEpochValues([.. stats.Counts], [.. stats.Kappa], [.. stats.Psi], [.. stats.Margins])
            : null;
    }

    /// <summary>The state as checkpoint sections.</summary>
    public IReadOnlyList<KeyValuePair<string, byte[]>> Capture(IReadOnlyList<EpochReport> reports)
    {
        var meta = new CheckpointMeta(FormatVersion, Fingerprint(), CompletedSteps, EpochLossSum, reports.ToList());
        var sections = new List<KeyValuePair<string, byte[]>>
        {
            new("meta", JsonSerializer.SerializeToUtf8Bytes(meta)),
            new("backbone", Serialize(w => Backbone.save(w))),
            new("head", Serialize(_margin.Save)),
            new("optimizer", Serialize(w => _optimizer.save_state_dict(w))),
            new("rng", torch.get_rng_state().data<byte>().ToArray()),
        };
        return sections;
    }

    /// <summary>Restores a captured state and returns the epoch reports it carried.</summary>
    /// <exception cref="InvalidOperationException">The checkpoint belongs to a different run configuration.</exception>
    public IReadOnlyList<EpochReport> Restore(IReadOnlyDictionary<string, byte[]> sections)
    {
        var meta = JsonSerializer.Deserialize<CheckpointMeta>(Section(sections, "meta"))
            ?? throw new InvalidOperationException("The checkpoint has an empty meta section.");
        if (meta.FormatVersion != FormatVersion)
        {
            throw new InvalidOperationException($"Checkpoint format {meta.FormatVersion} is not supported (expected {FormatVersion}).");
        }
        var expected = Fingerprint();
        if (meta.Fingerprint != expected)
        {
            throw new InvalidOperationException(
                $"The checkpoint was written by a different run ({meta.Fingerprint}); this run is {expected}. Use a new checkpoint folder or the same settings.");
        }
        Deserialize(Section(sections, "backbone"), r => Backbone.load(r));
        Deserialize(Section(sections, "head"), _margin.Load);
        Deserialize(Section(sections, "optimizer"), r => _optimizer.load_state_dict(r));
        using (var rng = torch.tensor(Section(sections, "rng")))
        {
            torch.set_rng_state(rng);
        }
        CompletedSteps = meta.CompletedSteps;
        EpochLossSum = meta.EpochLossSum;
        return meta.Reports;
    }

    /// <summary>Hands the trained backbone (eval mode, CPU) to the caller; the state no longer owns it.</summary>
    public FaceBackbone DetachBackbone()
    {
        var backbone = Backbone;
        _backbone = null;
        backbone.to(CPU);
        backbone.eval();
        return backbone;
    }

    public void Dispose()
    {
        _optimizer.Dispose();
        _margin.Dispose();
        _backbone?.Dispose();
    }

    private string Fingerprint() =>
        $"backbone={BackboneName()} size={_options.ImageSize} d={_options.EmbeddingSize} " +
        $"loss={_options.Margin.Loss} classes={_data.ClassCount} images={_data.Count} batch={_options.BatchSize} " +
        $"seed={_options.Seed} epochs={_options.Epochs}" + ScaleFingerprint();

    /// <summary>A fresh backbone, or the pretrained one of <see cref="FaceTrainerOptions.InitialModel"/>.</summary>
    private static FaceBackbone NewBackbone(FaceTrainerOptions options)
    {
        if (options.InitialModel is not { } path)
        {
            return BackboneFactory.Create(options.Backbone, options.ImageSize, options.EmbeddingSize);
        }

        var imported = ImportedBackbone.Load(path);
        if (imported.InputSize != options.ImageSize || imported.EmbeddingSize != options.EmbeddingSize)
        {
            imported.Dispose();
            throw new ArgumentException(
                $"The initial model '{path}' takes {imported.InputSize}x{imported.InputSize} images and gives {imported.EmbeddingSize}-d embeddings, " +
                $"but the options say ImageSize {options.ImageSize} and EmbeddingSize {options.EmbeddingSize}.");
        }

        return imported;
    }

    // A fine-tuning run names its parent model, so a checkpoint never resumes onto another one.
    private string BackboneName() => _backbone is ImportedBackbone imported
        ? $"init:{imported.ParentSha256}" + (_options.FreezeBatchNorm ? " freeze-bn" : "") +
          $" backbone-lr-scale={_options.BackboneLearningRateScale.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}" +
          (_options.FrozenLayerFraction > 0 ? $" frozen-layers={_options.FrozenLayerFraction.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}" : "")
        : BackboneFactory.NameOf(_options.Backbone);

    // Only non-default scale options are named, so checkpoints written before they existed still resume.
    private string ScaleFingerprint()
    {
        var margin = _options.Margin;
        string rate = margin.Sampling.SampleRate < 1 ? $" sample-rate={margin.Sampling.SampleRate.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}" : "";
        string precision = margin.KappaFace.MemoryBufferPrecision != Concentration.MemoryBufferPrecision.Fp32 ? $" memory={margin.KappaFace.MemoryBufferPrecision}" : "";
        return rate + precision;
    }

    private static long TensorBytes(IEnumerable<Tensor> tensors) => tensors.Sum(t => t.NumberOfElements * t.ElementSize);

    private static string Mib(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):F2} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):F1} MiB",
        _ => $"{bytes / 1024.0:F0} KiB",
    };

    private static byte[] Section(IReadOnlyDictionary<string, byte[]> sections, string name) =>
        sections.TryGetValue(name, out var bytes) ? bytes : throw new InvalidOperationException($"The checkpoint has no '{name}' section.");

    private static byte[] Serialize(Action<BinaryWriter> write)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            write(writer);
        }
        return stream.ToArray();
    }

    private static void Deserialize(byte[] bytes, Action<BinaryReader> read)
    {
        using var reader = new BinaryReader(new MemoryStream(bytes), System.Text.Encoding.UTF8);
        read(reader);
    }

    private sealed record CheckpointMeta(int FormatVersion, string Fingerprint, long CompletedSteps, double EpochLossSum, List<EpochReport> Reports);
}
