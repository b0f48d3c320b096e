using KappaFace.MLNet.Trainer.Heads;
using TorchSharp;
using static TorchSharp.torch;

namespace KappaFace.MLNet.Trainer.Concentration;

/// <summary>
/// KappaFace's per-class bookkeeping (docs/kappaface.md, section 3): class sums of unit vectors accumulated every step, and the
/// margins <c>m0 * psi</c> recomputed from them once per epoch by <see cref="EndEpoch"/>.
/// </summary>
/// <remarks>
/// Sums are float32 tensors (they are updated every step, possibly on the training device); everything derived
/// from them is computed in float64 with <see cref="ConcentrationMath"/>. Margins stay constant within an epoch.
/// </remarks>
public sealed class KappaFaceState : IDisposable
{
    private const string SectionTag = "KappaFaceState";
    private const int SectionVersion = 1;

    private readonly long[] _counts;
    private readonly double[] _sampleWeights;
    private readonly MarginOptions _options;
    private readonly Tensor _sums;
    private readonly Tensor _observed;
    private readonly Tensor _marginTensor;
    private double[] _psi;
    private double[] _margins;

    /// <summary>Creates the state with every <c>psi</c> at <see cref="KappaFaceOptions.InitialPsi"/> and zero sums.</summary>
    /// <param name="classCounts">Dataset count <c>n_c</c> of each class, in label order (fixed for the run).</param>
    /// <param name="embeddingSize">Length D of the unit vectors that will be accumulated.</param>
    /// <param name="options">Hyper-parameters; validated and copied.</param>
    /// <param name="device">Where the sums live (the training device); CPU by default.</param>
    public KappaFaceState(long[] classCounts, int embeddingSize, MarginOptions options, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(classCounts);
        ArgumentNullException.ThrowIfNull(options);
        if (classCounts.Length == 0 || classCounts.Any(n => n < 0) || classCounts.Max() == 0)
        {
            throw new ArgumentException("Class counts must be non-negative, with at least one positive.", nameof(classCounts));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(embeddingSize, 1);
        options.Validate();
        _options = options; // an immutable record: no copy needed
        _counts = (long[])classCounts.Clone();
        EmbeddingSize = embeddingSize;
        KappaDimension = _options.KappaFace.KappaDimension ?? embeddingSize;
        BaseMargin = _options.EffectiveMargin;
        // n_c never changes, so the sample weight is computed once (the code recomputes it to the same value).
        _sampleWeights = ConcentrationMath.SampleWeights(_counts, _options.KappaFace.CountScale);
        _psi = Enumerable.Repeat(_options.KappaFace.InitialPsi, _counts.Length).ToArray();
        _margins = ScaleByBaseMargin(_psi);

        // Long-lived tensors: keep them out of any dispose scope the caller happens to be in.
        _sums = torch.zeros(_counts.Length, embeddingSize, ScalarType.Float32, device).DetachFromDisposeScope();
        _observed = torch.zeros(_counts.Length, ScalarType.Int64, device).DetachFromDisposeScope();
        _marginTensor = torch.tensor(_margins, ScalarType.Float64, device).DetachFromDisposeScope();
    }

    /// <summary>Number of classes C.</summary>
    public int ClassCount => _counts.Length;

    /// <summary>Length D of the accumulated unit vectors.</summary>
    public int EmbeddingSize { get; }

    /// <summary>The <c>d</c> in the concentration estimate (<see cref="KappaFaceOptions.KappaDimension"/> or D).</summary>
    public int KappaDimension { get; }

    /// <summary>Base margin <c>m0</c>.</summary>
    public double BaseMargin { get; }

    /// <summary>Dataset count <c>n_c</c> of each class.</summary>
    public IReadOnlyList<long> Counts => Array.AsReadOnly(_counts);

    /// <summary>Sample-count weight <c>w_s</c> of each class (fixed for the run).</summary>
    public IReadOnlyList<double> SampleWeights => Array.AsReadOnly(_sampleWeights);

    /// <summary>Current margin factor <c>psi</c> of each class.</summary>
    public IReadOnlyList<double> Psi => Array.AsReadOnly(_psi);

    /// <summary>Current margin <c>m0 * psi</c> of each class, as doubles.</summary>
    public IReadOnlyList<double> Margins => Array.AsReadOnly(_margins);

    /// <summary>
    /// Current margins as a float64 tensor <c>[C]</c>, updated in place at each epoch end; the margin policy gathers
    /// from it and casts to the logits' dtype. Float64 so that float64 checks see exactly <see cref="Margins"/>.
    /// Owned by the state: do not dispose or modify.
    /// </summary>
    public Tensor MarginTensor => _marginTensor;

    /// <summary>The running class sums <c>S_c</c>, float32 <c>[C, D]</c>. Owned by the state: read only.</summary>
    public Tensor Sums => _sums;

    /// <summary>How many vectors each class has received this epoch, int64 <c>[C]</c>. Owned by the state: read only.</summary>
    public Tensor ObservedCounts => _observed;

    /// <summary>Adds unit vectors to their classes' sums (<c>S_y += z</c>), without gradient.</summary>
    /// <param name="labels">Global class ids <c>[B]</c> int64.</param>
    /// <param name="unitVectors">L2-normalised vectors <c>[B, D]</c> (memory rows or momentum-encoder embeddings).</param>
    public void Accumulate(Tensor labels, Tensor unitVectors)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(unitVectors);
        if (labels.dim() != 1 || unitVectors.dim() != 2 || unitVectors.shape[0] != labels.shape[0] || unitVectors.shape[1] != EmbeddingSize)
        {
            throw new ArgumentException(
                $"Expected labels [B] and unit vectors [B, {EmbeddingSize}]; got [{string.Join(", ", labels.shape)}] and [{string.Join(", ", unitVectors.shape)}].",
                nameof(unitVectors));
        }

        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var index = labels.to(ScalarType.Int64, _sums.device);
        _sums.index_add_(0, index, unitVectors.detach().to(ScalarType.Float32, _sums.device), 1);
        _observed.index_add_(0, index, torch.ones_like(index), 1);
    }

    /// <summary>
    /// Recomputes the concentrations, weights and margins from this epoch's sums (float64), installs the new
    /// margins for the next epoch, and resets the sums and observed counts.
    /// </summary>
    public KappaEpochStatistics EndEpoch()
    {
        double[] norms;
        long[] observed;
        using (var scope = torch.NewDisposeScope())
        {
            norms = torch.linalg.vector_norm(_sums.to(ScalarType.Float64), 2, new long[] { 1 }, false).cpu().data<double>().ToArray();
            observed = _observed.cpu().data<long>().ToArray();
        }

        var divisors = _options.KappaFace.DivideByObservedCount ? observed : _counts;
        var resultant = ConcentrationMath.ResultantLengths(norms, divisors);
        var raw = ConcentrationMath.RawKappa(resultant, KappaDimension, _options.KappaFace.ResultantClamp);
        var kappa = ConcentrationMath.ReplaceNonFinite(raw);
        var (mean, std) = ConcentrationMath.Moments(kappa, _options.KappaFace.UnbiasedStd);
        var concentrationWeights = ConcentrationMath.ConcentrationWeights(kappa, _options.KappaFace.Temperature, _options.KappaFace.UnbiasedStd);
        var psi = ConcentrationMath.Psi(concentrationWeights, _sampleWeights, _options.KappaFace.Gamma, _options.KappaFace.GammaConvention);
        SetPsi(psi);
        ResetSums();

        return new KappaEpochStatistics
        {
            Counts = Array.AsReadOnly((long[])_counts.Clone()),
            ObservedCounts = Array.AsReadOnly(observed),
            ResultantLengths = Array.AsReadOnly(resultant),
            Kappa = Array.AsReadOnly(kappa),
            ConcentrationWeights = Array.AsReadOnly(concentrationWeights),
            SampleWeights = Array.AsReadOnly((double[])_sampleWeights.Clone()),
            Psi = Array.AsReadOnly((double[])psi.Clone()),
            Margins = Array.AsReadOnly((double[])_margins.Clone()),
            KappaMin = kappa.Min(),
            KappaMax = kappa.Max(),
            KappaMean = mean,
            KappaStd = std,
            SingletonClasses = _counts.Count(n => n == 1),
            UnseenClasses = observed.Count(n => n == 0),
            SaturatedClasses = raw.Count(double.IsPositiveInfinity),
        };
    }

    /// <summary>Writes <c>psi</c>, the margins, the running sums and observed counts, bit for bit.</summary>
    /// <param name="writer">The checkpoint stream.</param>
    public void Save(BinaryWriter writer)
    {
        CheckpointIO.WriteHeader(writer, SectionTag, SectionVersion);
        writer.Write(ClassCount);
        writer.Write(EmbeddingSize);
        CheckpointIO.WriteDoubles(writer, _psi);
        CheckpointIO.WriteDoubles(writer, _margins);
        _sums.Save(writer);
        _observed.Save(writer);
    }

    /// <summary>Restores what <see cref="Save"/> wrote; the class count and embedding size must match.</summary>
    /// <param name="reader">The checkpoint stream.</param>
    /// <exception cref="InvalidDataException">The stream holds another section or other sizes.</exception>
    public void Load(BinaryReader reader)
    {
        CheckpointIO.ReadHeader(reader, SectionTag, SectionVersion);
        CheckpointIO.Expect(ClassCount, reader.ReadInt32(), "class count");
        CheckpointIO.Expect(EmbeddingSize, reader.ReadInt32(), "embedding size");
        var psi = CheckpointIO.ReadDoubles(reader, ClassCount, "psi");
        var margins = CheckpointIO.ReadDoubles(reader, ClassCount, "margins");
        using var noGrad = torch.no_grad();
        _sums.Load(reader);
        _observed.Load(reader);
        _psi = psi;
        InstallMargins(margins);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _sums.Dispose();
        _observed.Dispose();
        _marginTensor.Dispose();
    }

    private void SetPsi(double[] psi)
    {
        _psi = psi;
        InstallMargins(ScaleByBaseMargin(psi));
    }

    private void InstallMargins(double[] margins)
    {
        _margins = margins;
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        _marginTensor.copy_(torch.tensor(margins, ScalarType.Float64));
    }

    private void ResetSums()
    {
        using var noGrad = torch.no_grad();
        _sums.zero_();
        _observed.zero_();
    }

    private double[] ScaleByBaseMargin(double[] psi) => psi.Select(p => BaseMargin * p).ToArray();
}
