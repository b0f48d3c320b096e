using KappaFace.MLNet.Trainer.Backbones;
using KappaFace.MLNet.Trainer.Concentration;
using TorchSharp;
using static TorchSharp.torch;

namespace KappaFace.MLNet.Trainer.Heads;

/// <summary>
/// Builds the margin head for a <see cref="MarginOptions"/>, with KappaFace's bookkeeping wired in when the loss
/// needs it: the only place that branches on <see cref="MarginOptions.Loss"/>.
/// </summary>
public static class MarginHeadFactory
{
    /// <summary>Creates the head, and for KappaFace the tracker whose state supplies its margins.</summary>
    /// <param name="options">Hyper-parameters; validated (the bundle keeps a copy).</param>
    /// <param name="classCounts">Training-set count of each class, in label order; its length is the class count and its sum the image count (the range of dataset indices).</param>
    /// <param name="embeddingSize">Embedding length D.</param>
    /// <param name="online">The backbone being trained; needed only for KappaFace with the momentum encoder.</param>
    /// <param name="twinFactory">Builds a second backbone of the same architecture; needed only for KappaFace with the momentum encoder.</param>
    /// <param name="seed">Seed of the memory buffer's initial fill and of PartialFC's draws. The centres are drawn from torch's global generator, so seed that too.</param>
    /// <param name="dtype">Dtype of the centres.</param>
    /// <param name="device">Where the head and KappaFace state live (default CPU).</param>
    public static MarginHeadBundle Create(MarginOptions options, long[] classCounts, int embeddingSize,
        FaceBackbone? online = null, Func<FaceBackbone>? twinFactory = null, long seed = 0, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(classCounts);
        options.Validate();
        var tracker = options.Loss == MarginLossKind.KappaFace
            ? KappaFaceTracker.Create(options, classCounts, classCounts.Sum(), embeddingSize, online, twinFactory, seed, device)
            : null;
        try
        {
            var policy = CreatePolicy(options, tracker?.State);
            var sampler = options.Sampling.SampleRate < 1 ? new ClassCentreSampler(classCounts.Length, options.Sampling.SampleRate, seed) : null;
            var head = new MarginSoftmaxHead(classCounts.Length, embeddingSize, options.EffectiveScale(classCounts.Length), policy, dtype, sampler);
            if (device is not null)
            {
                head.to(device);
            }
            return new MarginHeadBundle(options, head, tracker);
        }
        catch
        {
            tracker?.Dispose();
            throw;
        }
    }

    /// <summary>The margin policy for <paramref name="options"/>.</summary>
    /// <param name="options">Hyper-parameters.</param>
    /// <param name="state">The per-class margins; required when the loss is KappaFace.</param>
    public static IMarginPolicy CreatePolicy(MarginOptions options, KappaFaceState? state)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Loss switch
        {
            MarginLossKind.ArcFace => new ArcFaceMargin(options.EffectiveMargin, options.ClampEpsilon, options.ArcFaceFallback, options.DetachMarginGradient),
            MarginLossKind.CosFace => new CosFaceMargin(options.EffectiveMargin, options.DetachMarginGradient),
            MarginLossKind.KappaFace => new KappaFaceMargin(
                state ?? throw new ArgumentNullException(nameof(state), "KappaFace needs its state."),
                options.ClampEpsilon, options.ArcFaceFallback, options.DetachMarginGradient),
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Loss, "Unknown margin loss."),
        };
    }
}
