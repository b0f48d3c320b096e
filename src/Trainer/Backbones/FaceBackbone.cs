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
    /// <summary>Creates the backbone.</summary>
    protected FaceBackbone(string name, BackboneKind kind, int inputSize, int embeddingSize)
        : base(name)
    {
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
}
