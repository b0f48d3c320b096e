using Google.Protobuf;
using KappaFace.MLNet.Onnx;
using KappaFace.MLNet.Onnx.Proto;
using KappaFace.MLNet.Trainer.Backbones;
using KappaFace.MLNet.Trainer.Import;

namespace KappaFace.MLNet.Trainer.Export;

/// <summary>
/// Exports a <see cref="FaceBackbone"/> as the KappaFace ONNX embedding model (docs/onnx-model.md):
/// input <c>input</c> float32 <c>[batch, 3, S, S]</c> (RGB, raw 0..255) normalised by the first nodes,
/// the backbone in eval mode with batch norms folded where legal, and the outputs <c>embedding</c>
/// (<c>[batch, D]</c>, L2-normalised) and <c>embedding_norm</c> (<c>[batch, 1]</c>); IR 8, opset 13,
/// the model card in <c>metadata_props</c>. The backbone is only read, never run or changed.
/// </summary>
public static class OnnxExporter
{
    /// <summary>Builds the model in memory.</summary>
    /// <param name="backbone">The backbone (any device or mode; eval-mode semantics are exported).</param>
    /// <param name="card">The model card; its input and embedding sizes must match the backbone's.</param>
    /// <returns>The model.</returns>
    /// <exception cref="OnnxExportException">A layer has a type or setting the exporter cannot translate; the message names it.</exception>
    /// <exception cref="ArgumentException">The card's sizes disagree with the backbone.</exception>
    public static ModelProto ToModel(FaceBackbone backbone, ModelCard card) => ToModel(backbone, card, new OnnxExportOptions());

    /// <summary>Builds the model in memory with the given graph options.</summary>
    /// <param name="backbone">The backbone (any device or mode; eval-mode semantics are exported).</param>
    /// <param name="card">The model card; its input and embedding sizes must match the backbone's.</param>
    /// <param name="options">Graph form options.</param>
    /// <returns>The model.</returns>
    /// <exception cref="OnnxExportException">A layer has a type or setting the exporter cannot translate; the message names it.</exception>
    /// <exception cref="ArgumentException">The card's sizes disagree with the backbone.</exception>
    public static ModelProto ToModel(FaceBackbone backbone, ModelCard card, OnnxExportOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(backbone);
        ArgumentNullException.ThrowIfNull(card);
        if (card.InputSize != backbone.InputSize || card.EmbeddingSize != backbone.EmbeddingSize)
        {
            throw new ArgumentException(
                $"The model card says input {card.InputSize} and embedding {card.EmbeddingSize}, but the backbone has " +
                $"input {backbone.InputSize} and embedding {backbone.EmbeddingSize}.", nameof(card));
        }

        var graph = new ExportGraph();
        // An imported graph starts from raw pixels with its own preprocessing nodes.
        string x = backbone is ImportedBackbone ? graph.RawInput(backbone.InputSize) : graph.NormalisedInput(backbone.InputSize);
        x = new BackboneWalker(graph, options).Backbone(backbone, x);
        graph.EmbeddingOutputs(x, backbone.EmbeddingSize);
        return graph.Build(card);
    }

    /// <summary>Builds the model and returns its serialised bytes.</summary>
    /// <param name="backbone">The backbone.</param>
    /// <param name="card">The model card.</param>
    /// <returns>The .onnx file contents.</returns>
    /// <exception cref="OnnxExportException">A layer cannot be translated.</exception>
    public static byte[] ToBytes(FaceBackbone backbone, ModelCard card) => ToModel(backbone, card).ToByteArray();

    /// <summary>Builds the model and writes it atomically to <paramref name="path"/> (the folder is created).</summary>
    /// <param name="backbone">The backbone.</param>
    /// <param name="card">The model card.</param>
    /// <param name="path">The .onnx file to write.</param>
    /// <exception cref="OnnxExportException">A layer cannot be translated; nothing is written.</exception>
    public static void Export(FaceBackbone backbone, ModelCard card, string path) => Export(backbone, card, path, new OnnxExportOptions());

    /// <summary>Builds the model with the given graph options and writes it atomically to <paramref name="path"/>.</summary>
    /// <param name="backbone">The backbone.</param>
    /// <param name="card">The model card.</param>
    /// <param name="path">The .onnx file to write.</param>
    /// <param name="options">Graph form options.</param>
    /// <exception cref="OnnxExportException">A layer cannot be translated; nothing is written.</exception>
    public static void Export(FaceBackbone backbone, ModelCard card, string path, OnnxExportOptions options)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        OnnxModelFile.Save(ToModel(backbone, card, options), path);
    }

    /// <summary>Exports with the minimal card of <see cref="ModelCardAssembler.ForBackbone"/> (no training summary).</summary>
    /// <param name="backbone">The backbone.</param>
    /// <param name="path">The .onnx file to write.</param>
    /// <exception cref="OnnxExportException">A layer cannot be translated; nothing is written.</exception>
    public static void Export(FaceBackbone backbone, string path) =>
        Export(backbone, ModelCardAssembler.ForBackbone(backbone), path);
}
