using KappaFace.MLNet.Trainer.Backbones;
using KappaFace.MLNet.Trainer.Heads;
using TorchSharp;
using static TorchSharp.torch;

namespace KappaFace.MLNet.Trainer.Concentration;

/// <summary>
/// Ties KappaFace's bookkeeping together for the training loop: after each optimizer step it obtains the batch's
/// unit vectors (memory buffer or momentum encoder, per <see cref="KappaFaceOptions.Source"/>) and adds them to the
/// class sums; at each epoch end it recomputes the margins.
/// </summary>
public sealed class KappaFaceTracker : IDisposable
{
    private const string SectionTag = "KappaFaceTracker";
    private const int SectionVersion = 1;

    private KappaFaceTracker(KappaFaceState state, MemoryBuffer? memory, MomentumEncoder? encoder)
    {
        State = state;
        Memory = memory;
        Encoder = encoder;
    }

    /// <summary>The class sums and margins (read by <see cref="KappaFaceMargin"/>).</summary>
    public KappaFaceState State { get; }

    /// <summary>The memory buffer, when <see cref="KappaFaceOptions.Source"/> is <see cref="ConcentrationSource.MemoryBuffer"/>.</summary>
    public MemoryBuffer? Memory { get; }

    /// <summary>The momentum encoder, when <see cref="KappaFaceOptions.Source"/> is <see cref="ConcentrationSource.MomentumEncoder"/>.</summary>
    public MomentumEncoder? Encoder { get; }

    /// <summary>Where the vectors come from.</summary>
    public ConcentrationSource Source => Memory is null ? ConcentrationSource.MomentumEncoder : ConcentrationSource.MemoryBuffer;

    /// <summary>Creates the state and the vector source chosen by <paramref name="options"/>.</summary>
    /// <param name="options">Hyper-parameters; validated.</param>
    /// <param name="classCounts">Dataset count <c>n_c</c> of each class, in label order.</param>
    /// <param name="imageCount">Number of training images N (the range of the dataset indices); used by the memory buffer.</param>
    /// <param name="embeddingSize">Embedding length D.</param>
    /// <param name="online">The backbone being trained; required for the momentum encoder, unused otherwise.</param>
    /// <param name="twinFactory">Builds a second backbone of the same architecture; required for the momentum encoder, unused otherwise.</param>
    /// <param name="seed">Seed of the memory buffer's initial fill.</param>
    /// <param name="device">Where the state, memory and encoder live (default CPU).</param>
    public static KappaFaceTracker Create(MarginOptions options, long[] classCounts, long imageCount, int embeddingSize,
        FaceBackbone? online, Func<FaceBackbone>? twinFactory, long seed, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var state = new KappaFaceState(classCounts, embeddingSize, options, device);
        try
        {
            if (options.KappaFace.Source == ConcentrationSource.MemoryBuffer)
            {
                // On the host, only each batch's rows travel to the training device and back.
                var memoryDevice = options.KappaFace.MemoryBufferOnHost ? torch.CPU : device;
                var memory = new MemoryBuffer(imageCount, embeddingSize, options.KappaFace.MemoryMomentum, options.KappaFace.MomentumConvention, seed,
                    memoryDevice, options.KappaFace.MemoryBufferPrecision);
                return new KappaFaceTracker(state, memory, null);
            }

            ArgumentNullException.ThrowIfNull(online);
            ArgumentNullException.ThrowIfNull(twinFactory);
            var twin = twinFactory();
            if (device is not null)
            {
                twin.to(device);
            }
            MomentumEncoder encoder;
            try
            {
                encoder = new MomentumEncoder(twin, online, options.KappaFace.EncoderMomentum, options.KappaFace.EncoderTracksBatchNorm);
            }
            catch
            {
                twin.Dispose();
                throw;
            }

            return new KappaFaceTracker(state, null, encoder);
        }
        catch
        {
            state.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Call after every optimizer step: updates the memory rows (or steps the momentum encoder and re-embeds the
    /// batch) and adds the resulting unit vectors to the class sums. Runs without gradient.
    /// </summary>
    /// <param name="images">The step's (augmented) images; needed by the momentum encoder only.</param>
    /// <param name="indices">Dataset indices <c>[B]</c> int64; needed by the memory buffer only.</param>
    /// <param name="labels">Global class ids <c>[B]</c> int64.</param>
    /// <param name="normalisedFeaturesDetached">
    /// The step's L2-normalised features <c>[B, D]</c>, computed by the forward pass before the update; needed by the
    /// memory buffer only.
    /// </param>
    /// <param name="online">The backbone being trained, after the optimizer step; needed by the momentum encoder only.</param>
    /// <exception cref="ArgumentNullException">An input the active source needs is null.</exception>
    public void AfterOptimizerStep(Tensor? images, Tensor? indices, Tensor labels, Tensor? normalisedFeaturesDetached, FaceBackbone? online)
    {
        ArgumentNullException.ThrowIfNull(labels);
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        Tensor vectors;
        if (Memory is not null)
        {
            ArgumentNullException.ThrowIfNull(indices);
            ArgumentNullException.ThrowIfNull(normalisedFeaturesDetached);
            vectors = Memory.Update(indices, normalisedFeaturesDetached);
        }
        else
        {
            ArgumentNullException.ThrowIfNull(images);
            ArgumentNullException.ThrowIfNull(online);
            Encoder!.Step(online);
            vectors = Encoder.Embed(images);
        }

        State.Accumulate(labels, vectors);
    }

    /// <summary>
    /// Starts the bookkeeping from a pretrained network instead of from nothing: call with every training image's
    /// unit embedding under it (in batches), then <see cref="EndEpoch"/> once. The memory rows become those
    /// embeddings (not the random fill) and the class sums collect them, so the first epoch trains with margins
    /// from the pretrained concentrations rather than the uniform <c>m0 * InitialPsi</c>. No gradient.
    /// </summary>
    /// <param name="indices">Dataset indices <c>[B]</c> int64, distinct.</param>
    /// <param name="labels">Class ids <c>[B]</c> int64.</param>
    /// <param name="unitVectors">L2-normalised embeddings <c>[B, D]</c>.</param>
    public void Prime(Tensor indices, Tensor labels, Tensor unitVectors)
    {
        Memory?.Fill(indices, unitVectors);
        State.Accumulate(labels, unitVectors);
    }

    /// <summary>End of epoch: see <see cref="KappaFaceState.EndEpoch"/>.</summary>
    public KappaEpochStatistics EndEpoch() => State.EndEpoch();

    /// <summary>Writes the state and the vector source.</summary>
    /// <param name="writer">The checkpoint stream.</param>
    public void Save(BinaryWriter writer)
    {
        CheckpointIO.WriteHeader(writer, SectionTag, SectionVersion);
        writer.Write((int)Source);
        State.Save(writer);
        Memory?.Save(writer);
        Encoder?.Save(writer);
    }

    /// <summary>Restores what <see cref="Save"/> wrote; the source and sizes must match.</summary>
    /// <param name="reader">The checkpoint stream.</param>
    /// <exception cref="InvalidDataException">The stream holds another section, another source or other sizes.</exception>
    public void Load(BinaryReader reader)
    {
        CheckpointIO.ReadHeader(reader, SectionTag, SectionVersion);
        CheckpointIO.Expect((int)Source, reader.ReadInt32(), "concentration source");
        State.Load(reader);
        Memory?.Load(reader);
        Encoder?.Load(reader);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        State.Dispose();
        Memory?.Dispose();
        Encoder?.Dispose();
    }
}
