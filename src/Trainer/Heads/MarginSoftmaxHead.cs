using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace KappaFace.MLNet.Trainer.Heads;

/// <summary>
/// The class-centre head of margin softmax losses (ArcFace, CosFace, KappaFace): cosine logits against
/// L2-normalised class centres, a margin on the target column chosen by an <see cref="IMarginPolicy"/>, scale
/// <c>s</c>, and the batch-mean softmax cross-entropy.
/// </summary>
/// <remarks>
/// <para>Forward takes <b>already normalised</b> features <c>[B, D]</c> (the training loop normalises once and
/// reuses the unit vectors for KappaFace's bookkeeping) and int64 labels <c>[B]</c>, and returns the scalar loss.</para>
/// <para>The margin is applied only to the gathered target cosines and scattered back: <c>acos</c> on the full
/// <c>B x C</c> matrix would be wasteful and its gradient is unstable at ±1 (docs/kappaface.md, section 1). Non-target logits are plain
/// <c>s cos</c>. Autograd then yields the reference's true gradient, including <c>d cos(theta + m) / d theta</c>.</para>
/// <para>Computation uses the features' dtype, so a float64 head and float64 features give float64 results.</para>
/// <para>With a <see cref="Sampler"/> (PartialFC, sample rate below 1) a forward pass in training mode uses only the
/// sampled centres: the loss is the margin softmax over them with labels remapped into the subset, and only their
/// rows receive gradient. The margin policy still sees global labels, so per-class margins (KappaFace) stay
/// right. Evaluation mode and <see cref="Logits"/> always use every centre.</para>
/// </remarks>
public sealed class MarginSoftmaxHead : nn.Module<Tensor, Tensor, Tensor>
{
    /// <summary>Standard deviation of the centres' normal initialisation (insightface and the KappaFace code).</summary>
    public const double InitialStd = 0.01;

    // The field name matches the registered parameter name, so Module.to(...) updates it too.
    private Parameter centres;

    /// <summary>Creates the head; centres are drawn from N(0, 0.01) with torch's global generator.</summary>
    /// <param name="classCount">Number of classes C.</param>
    /// <param name="embeddingSize">Embedding length D.</param>
    /// <param name="scale">Logit scale <c>s</c>, finite and positive.</param>
    /// <param name="policy">The margin applied to the target column. Not owned.</param>
    /// <param name="dtype">Dtype of the centres (float32 for training; float64 for precise tests).</param>
    /// <param name="sampler">PartialFC class-centre sampling; null (or a rate of 1) uses the full softmax.</param>
    public MarginSoftmaxHead(int classCount, int embeddingSize, double scale, IMarginPolicy policy, ScalarType dtype = ScalarType.Float32,
        ClassCentreSampler? sampler = null)
        : base(nameof(MarginSoftmaxHead))
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(embeddingSize, 1);
        if (!(double.IsFinite(scale) && scale > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(scale), scale, "The scale must be finite and positive.");
        }

        ArgumentNullException.ThrowIfNull(policy);
        if (sampler is not null && sampler.ClassCount != classCount)
        {
            throw new ArgumentException($"The sampler covers {sampler.ClassCount} classes but the head has {classCount}.", nameof(sampler));
        }
        ClassCount = classCount;
        Sampler = sampler is { SampleRate: < 1 } ? sampler : null;
        EmbeddingSize = embeddingSize;
        Scale = scale;
        Policy = policy;

        using (torch.no_grad())
        {
            // Long-lived: keep it out of any dispose scope the caller happens to be in.
            var initial = torch.empty(classCount, embeddingSize, dtype).normal_(0, InitialStd).DetachFromDisposeScope();
            centres = new Parameter(initial, requires_grad: true);
        }

        RegisterComponents();
    }

    /// <summary>Number of classes C.</summary>
    public int ClassCount { get; }

    /// <summary>Embedding length D.</summary>
    public int EmbeddingSize { get; }

    /// <summary>Logit scale <c>s</c>.</summary>
    public double Scale { get; }

    /// <summary>The margin applied to the target column.</summary>
    public IMarginPolicy Policy { get; }

    /// <summary>The PartialFC sampler in force, or null for the full softmax.</summary>
    public ClassCentreSampler? Sampler { get; }

    /// <summary>
    /// The step the next sampled forward pass draws for (the trainer sets the global step, so a resumed run
    /// draws the same centres). Unused without a <see cref="Sampler"/>.
    /// </summary>
    public long SamplingStep { get; set; }

    /// <summary>The class-centre matrix W, <c>[C, D]</c>, unnormalised; rows are normalised on every forward.</summary>
    public Parameter Centres => centres;

    /// <summary>Mean softmax cross-entropy of the margin logits.</summary>
    /// <param name="features">L2-normalised features <c>[B, D]</c>.</param>
    /// <param name="labels">Global class ids <c>[B]</c> int64.</param>
    /// <returns>A scalar tensor in the features' dtype.</returns>
    public override Tensor forward(Tensor features, Tensor labels)
    {
        using var scope = torch.NewDisposeScope();
        if (Sampler is null || !training)
        {
            return nn.functional.cross_entropy(Logits(features, labels), labels).MoveToOuterDisposeScope();
        }
        CheckInputs(features, labels);
        var (classes, local) = Sampler.Sample(labels, SamplingStep);
        if (classes.shape[0] == ClassCount)
        {
            // Every class drawn (many positives, or a rate near 1): exactly the full softmax, without the gather.
            return nn.functional.cross_entropy(Logits(features, labels), labels).MoveToOuterDisposeScope();
        }
        var logits = MarginLogits(features, centres.index_select(0, classes), local, labels);
        return nn.functional.cross_entropy(logits, local).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The scaled logits <c>s cos theta</c> <c>[B, C]</c>, with each row's target column replaced by
    /// <c>s * policy(cos theta_y)</c>.
    /// </summary>
    /// <param name="features">L2-normalised features <c>[B, D]</c>.</param>
    /// <param name="labels">Global class ids <c>[B]</c> int64.</param>
    public Tensor Logits(Tensor features, Tensor labels)
    {
        CheckInputs(features, labels);
        using var scope = torch.NewDisposeScope();
        return MarginLogits(features, centres, labels, labels).MoveToOuterDisposeScope();
    }

    private void CheckInputs(Tensor features, Tensor labels)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        if (features.dim() != 2 || features.shape[1] != EmbeddingSize || labels.dim() != 1 || labels.shape[0] != features.shape[0])
        {
            throw new ArgumentException(
                $"Expected features [B, {EmbeddingSize}] and labels [B]; got [{string.Join(", ", features.shape)}] and [{string.Join(", ", labels.shape)}].",
                nameof(features));
        }

        if (labels.dtype != ScalarType.Int64)
        {
            throw new ArgumentException($"Labels must be int64; got {labels.dtype}.", nameof(labels));
        }
    }

    // Logits against the rows in `weights`; `columns` index those rows, `globalLabels` pick the policy's margins.
    private Tensor MarginLogits(Tensor features, Tensor weights, Tensor columns, Tensor globalLabels)
    {
        if (weights.dtype != features.dtype)
        {
            weights = weights.to(features.dtype);
        }
        var cosine = features.matmul(nn.functional.normalize(weights, p: 2, dim: 1).t());
        var column = columns.unsqueeze(1);
        var target = cosine.gather(1, column).squeeze(1);
        var adjusted = Policy.ApplyToTarget(target, globalLabels);
        using var scale = Scale.ToScalar();
        return cosine.scatter(1, column, adjusted.unsqueeze(1)).mul(scale);
    }
}
