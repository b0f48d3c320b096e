namespace KappaFace.MLNet.Onnx;

/// <summary>Options of a <see cref="FaceEmbedder"/>: session options plus batching.</summary>
public sealed class FaceEmbedderOptions : OnnxSessionOptions
{
    /// <summary>
    /// Largest batch sent to ONNX Runtime in one run; larger requests are split. Default: 32.
    /// </summary>
    public int MaxBatch { get; set; } = 32;
}
