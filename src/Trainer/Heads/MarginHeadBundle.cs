using KappaFace.MLNet.Trainer.Backbones;
using KappaFace.MLNet.Trainer.Concentration;
using static TorchSharp.torch;

namespace KappaFace.MLNet.Trainer.Heads;

/// <summary>
/// What <see cref="MarginHeadFactory"/> builds: the head, plus KappaFace's tracker when the loss is KappaFace.
/// The per-step and per-epoch hooks do nothing for the other losses, so the training loop calls them
/// unconditionally.
/// </summary>
public sealed class MarginHeadBundle : IDisposable
{
    private const string SectionTag = "MarginHeadBundle";
    private const int SectionVersion = 1;

    internal MarginHeadBundle(MarginOptions options, MarginSoftmaxHead head, KappaFaceTracker? tracker)
    {
        Options = options;
        Head = head;
        Tracker = tracker;
    }

    /// <summary>The options the bundle was built with (a copy; changing it has no effect).</summary>
    public MarginOptions Options { get; }

    /// <summary>The head: <c>loss = Head.call(normalisedFeatures, labels)</c>; its <see cref="MarginSoftmaxHead.Centres"/> go to the optimizer.</summary>
    public MarginSoftmaxHead Head { get; }

    /// <summary>KappaFace's bookkeeping; <see langword="null"/> for ArcFace and CosFace.</summary>
    public KappaFaceTracker? Tracker { get; }

    /// <summary>Before every forward pass of training step <paramref name="step"/>: fixes the step PartialFC draws its centres for.</summary>
    /// <param name="step">The global optimiser step (steps completed before this one).</param>
    public void BeginStep(long step) => Head.SamplingStep = step;

    /// <summary>After every optimizer step: see <see cref="KappaFaceTracker.AfterOptimizerStep"/>; nothing for other losses.</summary>
    /// <param name="images">The step's images.</param>
    /// <param name="indices">Dataset indices <c>[B]</c> int64.</param>
    /// <param name="labels">Class ids <c>[B]</c> int64.</param>
    /// <param name="normalisedFeaturesDetached">The step's L2-normalised features <c>[B, D]</c>.</param>
    /// <param name="online">The backbone being trained.</param>
    public void AfterOptimizerStep(Tensor? images, Tensor? indices, Tensor labels, Tensor? normalisedFeaturesDetached, FaceBackbone? online)
        => Tracker?.AfterOptimizerStep(images, indices, labels, normalisedFeaturesDetached, online);

    /// <summary>At each epoch end: the new KappaFace statistics (margins for the next epoch), or <see langword="null"/> for other losses.</summary>
    public KappaEpochStatistics? EndEpoch() => Tracker?.EndEpoch();

    /// <summary>Writes the head's centres and, for KappaFace, the tracker.</summary>
    /// <param name="writer">The checkpoint stream.</param>
    public void Save(BinaryWriter writer)
    {
        CheckpointIO.WriteHeader(writer, SectionTag, SectionVersion);
        writer.Write((int)Options.Loss);
        Head.save(writer);
        Tracker?.Save(writer);
    }

    /// <summary>Restores what <see cref="Save"/> wrote; the loss and sizes must match.</summary>
    /// <param name="reader">The checkpoint stream.</param>
    /// <exception cref="InvalidDataException">The stream holds another section, another loss or other sizes.</exception>
    public void Load(BinaryReader reader)
    {
        CheckpointIO.ReadHeader(reader, SectionTag, SectionVersion);
        CheckpointIO.Expect((int)Options.Loss, reader.ReadInt32(), "loss kind");

        Head.load(reader, strict: true);
        Tracker?.Load(reader);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Head.Dispose();
        Tracker?.Dispose();
    }
}
