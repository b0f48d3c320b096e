namespace KappaFace.MLNet.Onnx.Runtime;

/// <summary>What was asked for and what a session actually runs on.</summary>
/// <param name="Requested">The request, e.g. <c>auto</c>.</param>
/// <param name="Used">The provider in use: <c>cpu</c> or <c>cuda:ID</c>.</param>
/// <param name="FallbackReason">Why CUDA was not used when <c>auto</c> fell back to CPU; otherwise null.</param>
public sealed record ProviderChoice(string Requested, string Used, string? FallbackReason)
{
    /// <summary>True when the session runs on CUDA.</summary>
    public bool IsCuda => Used.StartsWith("cuda", StringComparison.Ordinal);
}
