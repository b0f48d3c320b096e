using TorchSharp;
using TorchSharp.Modules;

namespace KappaFace.MLNet.Trainer.Backbones;

/// <summary>
/// The one place that builds batch-norm layers, so every backbone uses the insightface settings
/// (eps 1e-5, momentum 0.1, affine, running statistics) and the exporter can rely on them.
/// </summary>
internal static class Norms
{
    /// <summary>insightface's batch-norm epsilon (also PyTorch's default).</summary>
    public const double Epsilon = 1e-5;

    /// <summary>Running-statistics momentum (PyTorch's default, which insightface keeps).</summary>
    public const double Momentum = 0.1;

    /// <summary>A BatchNorm2d over <paramref name="channels"/> feature maps.</summary>
    public static StableBatchNorm BatchNorm2d(long channels)
        => new(channels, dimensions: 2, Epsilon, Momentum);

    /// <summary>A BatchNorm1d over <paramref name="features"/> features.</summary>
    public static StableBatchNorm BatchNorm1d(long features)
        => new(features, dimensions: 1, Epsilon, Momentum);
}
