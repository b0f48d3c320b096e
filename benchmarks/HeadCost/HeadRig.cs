using System.Diagnostics;
using KappaFace.MLNet.Trainer.Backbones;
using KappaFace.MLNet.Trainer.Heads;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace KappaFace.MLNet.Benchmarks.HeadCost;

/// <summary>Duration of one step and of its KappaFace bookkeeping (memory buffer and class sums; 0 for ArcFace).</summary>
internal readonly record struct StepTiming(double Seconds, double BookkeepingSeconds);

/// <summary>
/// A backbone and a margin head with their optimisers, stepped the way the trainer steps them. The library's
/// <c>TrainingState</c> is internal and needs an image per class, which 100k classes would make far too large,
/// so the step is composed here from the same public parts in the same order (forward, normalise, head loss,
/// finite check, backward, clipping, SGD, <see cref="MarginHeadBundle.AfterOptimizerStep"/>).
/// </summary>
internal sealed class HeadRig : IDisposable
{
    private const double ClipNorm = 5;
    private readonly HeadCostSettings _settings;
    private readonly int _images;
    private readonly FaceBackbone _backbone;
    private readonly MarginHeadBundle _bundle;
    private readonly OptimizerHelper _fullOptimizer;
    private readonly OptimizerHelper _headOptimizer;
    private readonly List<Parameter> _backboneParameters;
    private readonly Tensor _pixels;
    private readonly Tensor _features;
    private readonly long[][] _labels;

    public HeadRig(HeadCostSettings settings, MarginLossKind loss, int classes)
    {
        _settings = settings;
        _images = settings.ImagesFor(classes);
        torch.manual_seed(1);
        _backbone = BackboneFactory.Create(settings.Backbone, settings.Size, settings.Embedding);
        _backbone.train();
        // The set's class sizes only feed KappaFace's sample weights; equal sizes summing to the image count.
        var counts = Enumerable.Range(0, classes).Select(c => (long)(_images / classes + (c < _images % classes ? 1 : 0))).ToArray();
        _bundle = MarginHeadFactory.Create(new MarginOptions { Loss = loss }, counts, settings.Embedding, _backbone, seed: 1);
        _backboneParameters = _backbone.parameters().Where(p => p.requires_grad).ToList();
        _fullOptimizer = optim.SGD(_backboneParameters.Append(_bundle.Head.Centres), 0.01, momentum: 0.9, weight_decay: 5e-4);
        _headOptimizer = optim.SGD([_bundle.Head.Centres], 0.01, momentum: 0.9, weight_decay: 5e-4);
        _pixels = torch.rand(settings.Batch, 3, settings.Size, settings.Size).mul_(2).sub_(1).DetachFromDisposeScope();
        _features = nn.functional.normalize(torch.randn(settings.Batch, settings.Embedding), p: 2, dim: 1).DetachFromDisposeScope();
        var random = new Random(classes);
        _labels = Enumerable.Range(0, settings.Warmup + settings.Steps)
            .Select(_ => Enumerable.Range(0, settings.Batch).Select(_ => (long)random.Next(classes)).ToArray()).ToArray();
    }

    /// <summary>Bytes of the memory buffer (N x D float32; 0 without one) and of the centres (C x D float32).</summary>
    public (long MemoryBuffer, long Centres) Bytes =>
        (_bundle.Tracker?.Memory is { } memory ? memory.Rows.numel() * 4 : 0, _bundle.Head.Centres.numel() * 4);

    /// <summary>One full training step: backbone and head.</summary>
    public StepTiming FullStep(int step)
        => Step(step, _fullOptimizer, images => _backbone.call(images), clip: true);

    /// <summary>One step of the head alone, on fixed features that stand in for the backbone's output.</summary>
    public StepTiming HeadStep(int step)
        => Step(step, _headOptimizer, _ => _features.detach().requires_grad_(true), clip: false);

    /// <summary>KappaFace's epoch end (per-class statistics and margins) for the record: once per epoch, not per step.</summary>
    public double EpochEndSeconds()
    {
        var clock = Stopwatch.StartNew();
        _bundle.EndEpoch();
        return clock.Elapsed.TotalSeconds;
    }

    private StepTiming Step(int step, OptimizerHelper optimizer, Func<Tensor, Tensor> embed, bool clip)
    {
        var clock = Stopwatch.StartNew();
        using var scope = torch.NewDisposeScope();
        var labels = torch.tensor(_labels[step % _labels.Length]);
        // Distinct rows of the memory buffer per step, walking through the set as an epoch would.
        long first = (long)step * _settings.Batch % (_images - _settings.Batch + 1);
        var indices = torch.arange(first, first + _settings.Batch, dtype: ScalarType.Int64);
        optimizer.zero_grad();
        var features = nn.functional.normalize(embed(_pixels), p: 2, dim: 1);
        var loss = _bundle.Head.call(features, labels);
        if (!float.IsFinite(loss.item<float>()))
        {
            throw new InvalidOperationException($"Step {step}: the loss is not finite.");
        }
        loss.backward();
        if (clip)
        {
            nn.utils.clip_grad_norm_(_backboneParameters, ClipNorm);
        }
        optimizer.step();
        var bookkeeping = Stopwatch.StartNew();
        _bundle.AfterOptimizerStep(_pixels, indices, labels, features.detach(), _backbone);
        return new StepTiming(clock.Elapsed.TotalSeconds, bookkeeping.Elapsed.TotalSeconds);
    }

    public void Dispose()
    {
        _fullOptimizer.Dispose();
        _headOptimizer.Dispose();
        _bundle.Dispose();
        _backbone.Dispose();
        _pixels.Dispose();
        _features.Dispose();
    }
}
