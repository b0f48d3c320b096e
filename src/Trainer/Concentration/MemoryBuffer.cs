using KappaFace.MLNet.Trainer.Heads;
using TorchSharp;
using static TorchSharp.torch;

namespace KappaFace.MLNet.Trainer.Concentration;

/// <summary>
/// KappaFace's memory buffer (docs/kappaface.md, section 2a): one unit vector per training image, indexed by dataset index, blended
/// with the image's latest feature after every optimizer step and renormalised. The updated rows feed the class
/// sums.
/// </summary>
/// <remarks>
/// Size is <c>N x D</c> float32 (about 11.9 GB for MS1MV2 at D = 512), or half that in float16
/// (<see cref="MemoryBufferPrecision"/>): the arithmetic is float32 either way and only storage is rounded, once per
/// update. The rows may live on another device than the features (host memory while training on a GPU); only the
/// batch's rows move. Indices in one update must be distinct (the sampler yields each image once per epoch); with
/// duplicates, which write wins is unspecified.
/// </remarks>
public sealed class MemoryBuffer : IDisposable
{
    private const string SectionTag = "MemoryBuffer";
    private const int SectionVersion = 1;

    private const long FillRows = 1 << 16;

    private readonly Tensor _rows;

    /// <summary>
    /// Creates the buffer filled uniformly in <c>[-a, a]</c>, <c>a = 1 / sqrt(D / 3)</c> (unit expected squared norm),
    /// not normalised, as in the reference.
    /// </summary>
    /// <param name="imageCount">Number of training images N.</param>
    /// <param name="embeddingSize">Vector length D.</param>
    /// <param name="momentum">Blend factor <c>mu</c> in [0, 1].</param>
    /// <param name="convention">Which side <paramref name="momentum"/> weights.</param>
    /// <param name="seed">Seed of the initial fill (a private generator: the global one is not touched).</param>
    /// <param name="device">Where the rows live; CPU by default.</param>
    /// <param name="precision">Storage precision of the rows; the initial fill is drawn in float32 and rounded once.</param>
    public MemoryBuffer(long imageCount, int embeddingSize, double momentum, MomentumConvention convention, long seed, Device? device = null,
        MemoryBufferPrecision precision = MemoryBufferPrecision.Fp32)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(imageCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(embeddingSize, 1);
        if (!(momentum >= 0 && momentum <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "The momentum must be in [0, 1].");
        }

        if (!Enum.IsDefined(convention))
        {
            throw new ArgumentOutOfRangeException(nameof(convention), convention, "Unknown momentum convention.");
        }

        if (!Enum.IsDefined(precision))
        {
            throw new ArgumentOutOfRangeException(nameof(precision), precision, "Unknown memory buffer precision.");
        }

        ImageCount = imageCount;
        EmbeddingSize = embeddingSize;
        Momentum = momentum;
        Convention = convention;
        Precision = precision;
        // The weight on the new feature, whichever way the option is phrased.
        NewFeatureWeight = convention == MomentumConvention.NewFeature ? momentum : 1 - momentum;

        var bound = InitialBound(embeddingSize);
        using var generator = new torch.Generator(unchecked((ulong)seed));
        using var noGrad = torch.no_grad();
        _rows = torch.empty(imageCount, embeddingSize, StorageType(precision), device ?? torch.CPU).DetachFromDisposeScope();
        // Filled in float32 slices so that no full-size float32 (or host) copy ever exists: at millions of rows that
        // transient would cost more than the float16 buffer saves. Slices draw the generator's stream in row order.
        for (long start = 0; start < imageCount; start += FillRows)
        {
            using var scope = torch.NewDisposeScope();
            long rows = Math.Min(FillRows, imageCount - start);
            var slice = torch.empty(rows, embeddingSize, ScalarType.Float32).uniform_(-bound, bound, generator);
            _rows.narrow(0, start, rows).copy_(slice);
        }
    }

    /// <summary>Number of rows N.</summary>
    public long ImageCount { get; }

    /// <summary>Vector length D.</summary>
    public int EmbeddingSize { get; }

    /// <summary>The momentum as configured.</summary>
    public double Momentum { get; }

    /// <summary>Which side <see cref="Momentum"/> weights.</summary>
    public MomentumConvention Convention { get; }

    /// <summary>The weight the new feature gets in the blend (<c>mu</c> or <c>1 - mu</c> depending on the convention).</summary>
    public double NewFeatureWeight { get; }

    /// <summary>Storage precision of the rows.</summary>
    public MemoryBufferPrecision Precision { get; }

    /// <summary>The rows <c>[N, D]</c>, float32 or float16 per <see cref="Precision"/>. Owned by the buffer: read only.</summary>
    public Tensor Rows => _rows;

    /// <summary>Bytes the rows occupy.</summary>
    public long Bytes => _rows.NumberOfElements * _rows.ElementSize;

    /// <summary>The tensor dtype of <paramref name="precision"/>.</summary>
    public static ScalarType StorageType(MemoryBufferPrecision precision)
        => precision == MemoryBufferPrecision.Fp16 ? ScalarType.Float16 : ScalarType.Float32;

    /// <summary>Half-width <c>a = 1 / sqrt(D / 3)</c> of the initial uniform fill.</summary>
    /// <param name="embeddingSize">Vector length D.</param>
    public static double InitialBound(int embeddingSize) => 1 / Math.Sqrt(embeddingSize / 3.0);

    /// <summary>
    /// Blends the rows of the batch with its features, <c>v = (1 - w) M[i] + w x</c> where <c>w</c> is
    /// <see cref="NewFeatureWeight"/>, renormalises, writes the rows back, and returns them. No gradient.
    /// The blend and normalisation run in float32 on the features' device; a float16 buffer stores the result
    /// rounded once, while the returned rows keep float32 precision.
    /// </summary>
    /// <param name="indices">Dataset indices of the batch <c>[B]</c> int64, distinct.</param>
    /// <param name="normalisedFeatures">The batch's L2-normalised features <c>[B, D]</c> (detached or not).</param>
    /// <returns>The new rows <c>[B, D]</c> float32 on the features' device (a new tensor owned by the caller).</returns>
    public Tensor Update(Tensor indices, Tensor normalisedFeatures)
    {
        ArgumentNullException.ThrowIfNull(indices);
        ArgumentNullException.ThrowIfNull(normalisedFeatures);
        if (indices.dim() != 1 || normalisedFeatures.dim() != 2 || normalisedFeatures.shape[0] != indices.shape[0] || normalisedFeatures.shape[1] != EmbeddingSize)
        {
            throw new ArgumentException(
                $"Expected indices [B] and features [B, {EmbeddingSize}]; got [{string.Join(", ", indices.shape)}] and [{string.Join(", ", normalisedFeatures.shape)}].",
                nameof(normalisedFeatures));
        }

        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var rowIndex = indices.to(ScalarType.Int64, _rows.device);
        var device = normalisedFeatures.device;
        var features = normalisedFeatures.detach().to(ScalarType.Float32);
        var previous = _rows.index_select(0, rowIndex).to(ScalarType.Float32, device);
        // Explicit Scalars: implicit temporaries can be finalised while libtorch still reads them.
        using var keep = (1 - NewFeatureWeight).ToScalar();
        using var take = NewFeatureWeight.ToScalar();
        var blended = previous.mul(keep).add(features, take);
        var updated = nn.functional.normalize(blended, p: 2, dim: 1);
        _rows.index_copy_(0, rowIndex, updated.to(_rows.dtype, _rows.device));
        return updated.MoveToOuterDisposeScope();
    }

    /// <summary>Writes the rows bit for bit.</summary>
    /// <param name="writer">The checkpoint stream.</param>
    public void Save(BinaryWriter writer)
    {
        CheckpointIO.WriteHeader(writer, SectionTag, SectionVersion);
        writer.Write(ImageCount);
        writer.Write(EmbeddingSize);
        _rows.Save(writer);
    }

    /// <summary>Restores what <see cref="Save"/> wrote; the sizes must match.</summary>
    /// <param name="reader">The checkpoint stream.</param>
    /// <exception cref="InvalidDataException">The stream holds another section or other sizes.</exception>
    public void Load(BinaryReader reader)
    {
        CheckpointIO.ReadHeader(reader, SectionTag, SectionVersion);
        CheckpointIO.Expect(ImageCount, reader.ReadInt64(), "image count");
        CheckpointIO.Expect(EmbeddingSize, reader.ReadInt32(), "embedding size");
        using var noGrad = torch.no_grad();
        // Tensor.Load rejects another element type, so an fp32 checkpoint cannot silently fill an fp16 buffer.
        _rows.Load(reader);
    }

    /// <inheritdoc />
    public void Dispose() => _rows.Dispose();
}
