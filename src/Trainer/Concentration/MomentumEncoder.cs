using KappaFace.MLNet.Trainer.Backbones;
using TorchSharp;
using static TorchSharp.torch;

namespace KappaFace.MLNet.Trainer.Concentration;

/// <summary>
/// KappaFace's momentum encoder (docs/kappaface.md, section 2b): an exponential-moving-average twin of the backbone, without gradients
/// and in eval mode, that embeds each batch a second time to feed the class sums.
/// </summary>
/// <remarks>
/// The reference averaged parameters only, so its BatchNorm running statistics stayed at their initial values for
/// the whole run while the encoder normalised with them in eval mode. With <see cref="TracksBatchNorm"/> the
/// floating-point buffers follow the same EMA and integer buffers (batch counters) are copied: a deliberate fix.
/// </remarks>
public sealed class MomentumEncoder : IDisposable
{
    private const string SectionTag = "MomentumEncoder";
    private const int SectionVersion = 1;

    // Cached so that each step does not allocate (and leave to the finaliser) two native scalars per tensor.
    // Plain doubles, not cached Scalars: a Scalar made inside a caller's dispose scope is freed with
    // that scope, and holding it here led to a double free that corrupted unrelated torch calls.
    private readonly double _keep;
    private readonly double _take;

    /// <summary>Creates the encoder and copies every parameter and buffer of <paramref name="online"/> into <paramref name="twin"/>.</summary>
    /// <param name="twin">A backbone of the same architecture; the encoder takes ownership and disposes it.</param>
    /// <param name="online">The backbone being trained.</param>
    /// <param name="momentum">EMA factor <c>m</c> in [0, 1]: <c>theta_k = m theta_k + (1 - m) theta_q</c>.</param>
    /// <param name="tracksBatchNorm">Whether buffers (BatchNorm statistics) follow the online network at each step.</param>
    /// <exception cref="ArgumentException">The two backbones' parameters or buffers differ in names or shapes.</exception>
    public MomentumEncoder(FaceBackbone twin, FaceBackbone online, double momentum, bool tracksBatchNorm)
    {
        ArgumentNullException.ThrowIfNull(twin);
        ArgumentNullException.ThrowIfNull(online);
        if (ReferenceEquals(twin, online))
        {
            throw new ArgumentException("The twin must be a separate instance of the backbone.", nameof(twin));
        }

        if (!(momentum >= 0 && momentum <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "The momentum must be in [0, 1].");
        }

        if (!SameLayout(ParametersByName(twin), ParametersByName(online)) || !SameLayout(BuffersByName(twin), BuffersByName(online)))
        {
            throw new ArgumentException("The twin's parameters and buffers must match the online backbone's in names, shapes and dtypes.", nameof(twin));
        }

        Twin = twin;
        Momentum = momentum;
        TracksBatchNorm = tracksBatchNorm;
        _keep = momentum;
        _take = 1 - momentum;
        using (torch.no_grad())
        {
            var parameters = ParametersByName(online);
            foreach (var (name, parameter) in twin.named_parameters())
            {
                parameter.requires_grad = false;
                parameter.copy_(parameters[name]);
            }

            var buffers = BuffersByName(online);
            foreach (var (name, buffer) in twin.named_buffers())
            {
                buffer.copy_(buffers[name]);
            }
        }

        twin.eval();
    }

    /// <summary>The averaged backbone (no gradients, eval mode). Owned by the encoder.</summary>
    public FaceBackbone Twin { get; }

    /// <summary>EMA factor <c>m</c>.</summary>
    public double Momentum { get; }

    /// <summary>Whether buffers follow the online network at each step.</summary>
    public bool TracksBatchNorm { get; }

    /// <summary>
    /// One EMA step after the optimizer step: <c>theta_k = m theta_k + (1 - m) theta_q</c> for every parameter, and
    /// for floating-point buffers when <see cref="TracksBatchNorm"/> (integer buffers are then copied).
    /// </summary>
    /// <param name="online">The backbone being trained (same architecture as the twin).</param>
    public void Step(FaceBackbone online)
    {
        ArgumentNullException.ThrowIfNull(online);
        using var noGrad = torch.no_grad();
        var parameters = ParametersByName(online);
        foreach (var (name, parameter) in Twin.named_parameters())
        {
            Blend(parameter, parameters[name]);
        }

        if (!TracksBatchNorm)
        {
            return;
        }

        var buffers = BuffersByName(online);
        foreach (var (name, buffer) in Twin.named_buffers())
        {
            var source = buffers[name];
            if (buffer.is_floating_point())
            {
                Blend(buffer, source);
            }
            else
            {
                // num_batches_tracked and the like: an average of counters means nothing.
                buffer.copy_(source);
            }
        }
    }

    /// <summary>Embeds images with the twin, without gradient, and L2-normalises the result.</summary>
    /// <param name="images">Normalised images <c>[B, 3, S, S]</c>.</param>
    /// <returns>Unit vectors <c>[B, D]</c> (a new tensor owned by the caller).</returns>
    public Tensor Embed(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        // A caller may have switched every module to train mode; the twin must keep using its running statistics.
        if (Twin.training)
        {
            Twin.eval();
        }

        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        return nn.functional.normalize(Twin.call(images), p: 2, dim: 1).MoveToOuterDisposeScope();
    }

    /// <summary>Writes the twin's parameters and buffers.</summary>
    /// <param name="writer">The checkpoint stream.</param>
    public void Save(BinaryWriter writer)
    {
        CheckpointIO.WriteHeader(writer, SectionTag, SectionVersion);
        Twin.save(writer);
    }

    /// <summary>Restores what <see cref="Save"/> wrote (strictly: same names and shapes).</summary>
    /// <param name="reader">The checkpoint stream.</param>
    public void Load(BinaryReader reader)
    {
        CheckpointIO.ReadHeader(reader, SectionTag, SectionVersion);
        Twin.load(reader, strict: true);
        foreach (var parameter in Twin.parameters())
        {
            parameter.requires_grad = false;
        }

        Twin.eval();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Twin.Dispose();
    }

    private void Blend(Tensor average, Tensor current) => average.mul_(_keep).add_(current, _take);

    private static Dictionary<string, Tensor> ParametersByName(FaceBackbone backbone)
        => backbone.named_parameters().ToDictionary(p => p.Item1, p => (Tensor)p.Item2);

    private static Dictionary<string, Tensor> BuffersByName(FaceBackbone backbone)
        => backbone.named_buffers().ToDictionary(b => b.Item1, b => b.Item2);

    private static bool SameLayout(Dictionary<string, Tensor> twin, Dictionary<string, Tensor> online)
        => twin.Count == online.Count
            && twin.All(p => online.TryGetValue(p.Key, out var other) && other.shape.SequenceEqual(p.Value.shape) && other.dtype == p.Value.dtype);
}
