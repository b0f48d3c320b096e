using TorchSharp;
using static TorchSharp.torch;

namespace KappaFace.MLNet.Trainer.Backbones;

/// <summary>
/// A network that maps normalised face crops <c>[B, 3, S, S]</c> (pixels scaled to (x - 127.5) / 127.5)
/// to raw, unnormalised embeddings <c>[B, D]</c>. L2 normalisation happens in the margin head and in
/// the exported ONNX graph, never here.
/// </summary>
public abstract class FaceBackbone : nn.Module<Tensor, Tensor>
{
    /// <summary>Every backbone halves the input four times, so the side must divide by 16.</summary>
    public const int SizeDivisor = 16;

    /// <summary>Creates the backbone.</summary>
    /// <exception cref="ArgumentOutOfRangeException">
    /// <paramref name="inputSize"/> is not a positive multiple of 16, or <paramref name="embeddingSize"/> is below 1.
    /// </exception>
    protected FaceBackbone(string name, BackboneKind kind, int inputSize, int embeddingSize)
        : base(name)
    {
        // Validated here, before a derived constructor sizes any layer from these numbers.
        ValidateInputSize(inputSize);
        ValidateEmbeddingSize(embeddingSize);
        Kind = kind;
        InputSize = inputSize;
        EmbeddingSize = embeddingSize;
    }

    /// <summary>Which architecture this is.</summary>
    public BackboneKind Kind { get; }

    /// <summary>Side of the square input in pixels.</summary>
    public int InputSize { get; }

    /// <summary>Length of the embedding vector D.</summary>
    public int EmbeddingSize { get; }

    /// <summary>Side of the last feature map: the input side after four stride-2 reductions.</summary>
    public int FeatureMapSize => InputSize / SizeDivisor;

    /// <summary>Throws unless <paramref name="inputSize"/> is a positive multiple of 16.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The size is not a positive multiple of 16.</exception>
    public static void ValidateInputSize(int inputSize)
    {
        if (inputSize <= 0 || inputSize % SizeDivisor != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(inputSize), inputSize,
                $"Input size must be a positive multiple of {SizeDivisor} (e.g. 32, 64, 112); got {inputSize}.");
        }
    }

    /// <summary>Throws unless <paramref name="embeddingSize"/> is at least 1.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The size is below 1.</exception>
    public static void ValidateEmbeddingSize(int embeddingSize)
    {
        if (embeddingSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(embeddingSize), embeddingSize,
                $"Embedding size must be at least 1; got {embeddingSize}.");
        }
    }
}
