using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace KappaFace.MLNet.Trainer.Backbones;

/// <summary>
/// Batch normalisation over <c>[N, C]</c> (1-d) or <c>[N, C, H, W]</c> (2-d) inputs, numerically identical to
/// TorchSharp's BatchNorm1d/BatchNorm2d, with the same parameter and buffer names.
/// </summary>
/// <remarks>
/// TorchSharp's own forward increments <c>num_batches_tracked</c> with implicit <see cref="Scalar"/>
/// temporaries whose native handles are read into a P/Invoke while the managed objects are already
/// unreachable; a garbage collection triggered by another thread (the batch prefetcher allocates) can
/// finalise them mid-call. We saw that as intermittent "alpha must not be a floating point number" and
/// "Expected false to be true" errors inside BatchNorm during training. Here the scalar is held by a
/// <c>using</c> until the native call returns.
/// </remarks>
public sealed class StableBatchNorm : BatchNorm
{
    /// <summary>Creates the layer; <paramref name="dimensions"/> is 1 (features) or 2 (feature maps).</summary>
    public StableBatchNorm(long features, int dimensions, double eps, double momentum)
        : base(features, eps, momentum, affine: true, track_running_stats: true, device: null, dtype: null, name: dimensions == 1 ? "BatchNorm1d" : "BatchNorm2d")
    {
        if (dimensions is not (1 or 2))
        {
            throw new ArgumentOutOfRangeException(nameof(dimensions), dimensions, "Only 1-d and 2-d batch normalisation are used.");
        }
        Dimensions = dimensions;
    }

    /// <summary>1 for <c>[N, C]</c> inputs, 2 for <c>[N, C, H, W]</c>.</summary>
    public int Dimensions { get; }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        ValidateInputDimensions(input);
        if (training && num_batches_tracked is not null)
        {
            using Scalar one = 1L.ToScalar();
            num_batches_tracked.add_(one, one);
        }
        return nn.functional.batch_norm(input, running_mean, running_var, weight, bias, training, momentum ?? 0.1, eps);
    }

    /// <inheritdoc />
    protected override void ValidateInputDimensions(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        long rank = input.dim();
        bool ok = Dimensions == 1 ? rank is 2 or 3 : rank == 4;
        if (!ok)
        {
            throw new ArgumentException($"expected {(Dimensions == 1 ? "2D or 3D" : "4D")} input (got {rank}D input)", nameof(input));
        }
    }
}
