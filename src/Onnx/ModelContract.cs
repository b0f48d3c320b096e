namespace KappaFace.MLNet.Onnx;

/// <summary>
/// The fixed facts of the KappaFace embedding model (docs/onnx-model.md, Contract): tensor names, the dynamic
/// batch dimension, the ONNX IR and opset versions, and the in-graph input normalisation.
/// </summary>
public static class ModelContract
{
    /// <summary>Name of the single graph input: float32 <c>[batch, 3, H, W]</c>, RGB planes, 0..255.</summary>
    public const string InputName = "input";

    /// <summary>Name of the L2-normalised embedding output: float32 <c>[batch, D]</c>.</summary>
    public const string EmbeddingName = "embedding";

    /// <summary>Name of the pre-normalisation norm output: float32 <c>[batch, 1]</c>.</summary>
    public const string EmbeddingNormName = "embedding_norm";

    /// <summary>Name of the dynamic batch dimension of inputs and outputs.</summary>
    public const string BatchDimension = "batch";

    /// <summary>Number of colour planes of the input.</summary>
    public const int Channels = 3;

    /// <summary>ONNX IR version written by this library.</summary>
    public const long IrVersion = 8;

    /// <summary>Default-domain ONNX opset written by this library.</summary>
    public const long OpsetVersion = 13;

    /// <summary>The graph's first node computes <c>(x - PixelMean) / PixelScale</c>.</summary>
    public const float PixelMean = 127.5f;

    /// <summary>The graph's first node computes <c>(x - PixelMean) / PixelScale</c>.</summary>
    public const float PixelScale = 127.5f;
}
