using TorchSharp;
using static TorchSharp.torch;

namespace KappaFace.MLNet.Trainer.Platform;

/// <summary>
/// Additions and subtractions whose scalar arguments cannot be finalised while libtorch reads them.
/// </summary>
/// <remarks>
/// TorchSharp's one-argument <c>add</c>/<c>sub</c> overloads, and the <c>+</c>/<c>-</c> operators built on them,
/// pass an implicit <see cref="Scalar"/> 1 as <c>alpha</c>. Its managed owner is unreachable once the native
/// handle is read, so a collection another thread triggers (the batch prefetcher allocates) can finalise it
/// during the call: we saw "For integral input tensors, argument alpha must not be a floating point number"
/// thrown from an index addition with a thread forcing collections. The scalars here are static, so never
/// finalised, and only read by libtorch, so safe to share between threads.
/// </remarks>
internal static class StableScalars
{
    /// <summary>The integer 1, valid as <c>alpha</c> for floating and integer tensors alike.</summary>
    public static Scalar One { get; } = 1L.ToScalar();

    /// <summary>The integer -1, for subtraction as addition.</summary>
    public static Scalar MinusOne { get; } = (-1L).ToScalar();

    /// <summary><c>a + b</c> (broadcasting).</summary>
    public static Tensor Add(Tensor a, Tensor b) => a.add(b, One);

    /// <summary><c>a - b</c> (broadcasting).</summary>
    public static Tensor Subtract(Tensor a, Tensor b) => a.add(b, MinusOne);
}
