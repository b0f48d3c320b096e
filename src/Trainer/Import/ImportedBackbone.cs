using System.Security.Cryptography;
using Google.Protobuf;
using KappaFace.MLNet.Onnx;
using KappaFace.MLNet.Onnx.Proto;
using KappaFace.MLNet.Trainer.Backbones;
using KappaFace.MLNet.Trainer.Platform;
using TorchSharp;
using static TorchSharp.torch;

namespace KappaFace.MLNet.Trainer.Import;

/// <summary>
/// A backbone read from a KappaFace embedding model (an exported one, or a foreign one wrapped by
/// <c>kappaface import</c>): the graph from <c>input</c> to the tensor that feeds <c>embedding_norm</c>,
/// as a trainable <see cref="OnnxGraphModule"/>. Like every <see cref="FaceBackbone"/> it takes crops
/// normalised as <c>(x - 127.5) / 127.5</c> and returns raw embeddings; since the graph starts from raw
/// pixels (its own preprocessing nodes follow), the forward pass maps the input back to 0..255 first.
/// The exporter writes it back through the same contract, recording this model as the parent.
/// </summary>
public sealed class ImportedBackbone : FaceBackbone
{
    private readonly OnnxGraphModule graph;

    private ImportedBackbone(OnnxGraphModule graph, ModelCard card, string sha256, string name)
        : base(nameof(ImportedBackbone), BackboneKind.Imported, card.InputSize, card.EmbeddingSize)
    {
        this.graph = graph;
        ParentCard = card;
        ParentSha256 = sha256;
        Name = name;
        register_module(nameof(graph), graph);
    }

    /// <summary>The imported graph.</summary>
    public OnnxGraphModule Graph => graph;

    /// <summary>The model card of the model this backbone was read from.</summary>
    public ModelCard ParentCard { get; }

    /// <summary>SHA-256 (hex) of the model this backbone was read from.</summary>
    public string ParentSha256 { get; }

    /// <summary>The parent's name: its card's backbone, else its file name.</summary>
    public string Name { get; }

    /// <summary>Reads a KappaFace embedding model file.</summary>
    /// <param name="path">The .onnx file (exported, or produced by <c>kappaface import</c>).</param>
    /// <returns>The backbone, in training mode.</returns>
    /// <exception cref="OnnxModelException">The file is not a KappaFace embedding model.</exception>
    /// <exception cref="OnnxImportException">A node cannot be translated.</exception>
    public static ImportedBackbone Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] bytes = OnnxModelFile.ReadAllBytes(path);
        return FromModel(OnnxModelFile.Parse(bytes, path), path, Convert.ToHexStringLower(SHA256.HashData(bytes)));
    }

    /// <summary>Reads a KappaFace embedding model held in memory.</summary>
    /// <param name="model">The model.</param>
    /// <param name="source">A name for messages and the parent name when the card has no backbone.</param>
    /// <param name="sha256">SHA-256 of the serialised model; null computes it from <paramref name="model"/>.</param>
    /// <returns>The backbone, in training mode.</returns>
    /// <exception cref="OnnxModelException">The model is not a KappaFace embedding model.</exception>
    /// <exception cref="OnnxImportException">A node cannot be translated.</exception>
    public static ImportedBackbone FromModel(ModelProto model, string source, string? sha256 = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(source);
        var card = ModelCard.ReadFrom(model, source);
        var norm = model.Graph.Node.FirstOrDefault(n => n.Output.Contains(ModelContract.EmbeddingNormName));
        if (norm is not { OpType: "ReduceL2" } || !model.Graph.Input.Any(i => i.Name == ModelContract.InputName))
        {
            throw new OnnxModelException(source,
                $"it is not a KappaFace embedding model (no '{ModelContract.InputName}' input, or '{ModelContract.EmbeddingNormName}' is not a ReduceL2); " +
                "wrap foreign models with `kappaface import` first");
        }

        var module = OnnxGraphModule.FromModel(model, ModelContract.InputName, norm.Input[0], source);
        string name = card.Backbone ?? Path.GetFileNameWithoutExtension(source);
        return new ImportedBackbone(module, card, sha256 ?? Convert.ToHexStringLower(SHA256.HashData(model.ToByteArray())), name);
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        // Scalars held until libtorch returns (see OnnxOperators.PRelu).
        using Scalar scale = ModelContract.PixelScale.ToScalar();
        using Scalar mean = ModelContract.PixelMean.ToScalar();
        var raw = input.mul(scale).add(mean, StableScalars.One);
        return graph.call(raw).MoveToOuterDisposeScope();
    }
}
