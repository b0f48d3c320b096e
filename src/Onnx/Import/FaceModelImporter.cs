using System.Collections.ObjectModel;
using System.Globalization;
using System.Security.Cryptography;
using KappaFace.MLNet.Onnx.Graph;
using KappaFace.MLNet.Onnx.Proto;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace KappaFace.MLNet.Onnx.Import;

/// <summary>An imported model, its card, and what the importer changed on the way.</summary>
/// <param name="Model">The model in the embedding contract.</param>
/// <param name="Card">Its model card (also in <c>Model.MetadataProps</c>).</param>
/// <param name="Changes">One line per rewrite (batch dimension, opset conversion, constant reshapes).</param>
public sealed record FaceModelImport(ModelProto Model, ModelCard Card, IReadOnlyList<string> Changes);

/// <summary>
/// Wraps a foreign ONNX face-embedding model into this library's embedding contract (see
/// <see cref="ModelContract"/>): input <c>input</c> float32 <c>[batch, 3, S, S]</c> of raw RGB 0..255
/// pixels whatever the source expected, with the channel swap and <c>(x / scale - mean) / std</c> as the
/// first nodes; a dynamic batch even when the source fixed it (constant Reshape targets that hard-code
/// the batch are rewritten to copy it); every node converted to opset 13; the outputs
/// <c>embedding</c> (L2-normalised in the graph) and <c>embedding_norm</c>; and a model card naming the
/// source (SHA-256, preprocessing, tensor names). The result is checked with ONNX Runtime: a batch of
/// two must give the same embeddings as each image alone.
/// </summary>
public static class FaceModelImporter
{
    private const float BatchIndependenceTolerance = 1e-4f;

    /// <summary>Imports the model file at <paramref name="sourcePath"/>.</summary>
    /// <param name="sourcePath">The foreign .onnx file.</param>
    /// <param name="options">How the source expects its input.</param>
    /// <returns>The imported model.</returns>
    /// <exception cref="OnnxModelException">The file cannot be read, is not ONNX, or is not an image-to-vector model.</exception>
    /// <exception cref="ArgumentException">An option value is invalid.</exception>
    public static FaceModelImport Import(string sourcePath, FaceModelImportOptions options)
    {
        ArgumentException.ThrowIfNullOrEmpty(sourcePath);
        byte[] bytes = OnnxModelFile.ReadAllBytes(sourcePath);
        return Import(bytes, sourcePath, options);
    }

    /// <summary>Imports a serialised foreign model.</summary>
    /// <param name="sourceBytes">The foreign model's bytes.</param>
    /// <param name="sourceName">Its path or name (messages, the card's <c>source.name</c>).</param>
    /// <param name="options">How the source expects its input.</param>
    /// <returns>The imported model.</returns>
    /// <exception cref="OnnxModelException">The bytes are not ONNX or not an image-to-vector model.</exception>
    /// <exception cref="ArgumentException">An option value is invalid.</exception>
    public static FaceModelImport Import(byte[] sourceBytes, string sourceName, FaceModelImportOptions options)
    {
        ArgumentNullException.ThrowIfNull(sourceBytes);
        ArgumentException.ThrowIfNullOrEmpty(sourceName);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var source = ForeignGraph.Analyse(OnnxModelFile.Parse(sourceBytes, sourceName), sourceName, options);
        var changes = new List<string>();
        var card = Card(source, options, Convert.ToHexStringLower(SHA256.HashData(sourceBytes)), sourceName, 1);

        // The embedding size may only be known by running the graph: build once, run, then build for real.
        int embeddingSize = source.DeclaredEmbeddingSize ?? TrialEmbeddingSize(Compose(source, options, card, []), sourceName);
        card = card with { EmbeddingSize = embeddingSize };
        var model = Compose(source, options, card, changes);
        CheckBatchIndependence(model, card, sourceName);
        return new FaceModelImport(model, card, changes);
    }

    /// <summary>Imports <paramref name="sourcePath"/> and writes the result atomically to <paramref name="outputPath"/>.</summary>
    /// <param name="sourcePath">The foreign .onnx file.</param>
    /// <param name="outputPath">The model to write.</param>
    /// <param name="options">How the source expects its input.</param>
    /// <returns>The imported model.</returns>
    /// <exception cref="OnnxModelException">The source cannot be imported; nothing is written.</exception>
    public static FaceModelImport ImportFile(string sourcePath, string outputPath, FaceModelImportOptions options)
    {
        ArgumentException.ThrowIfNullOrEmpty(outputPath);
        var imported = Import(sourcePath, options);
        OnnxModelFile.Save(imported.Model, outputPath);
        return imported;
    }

    private static ModelProto Compose(ForeignGraph source, FaceModelImportOptions options, ModelCard card, List<string> changes)
    {
        var builder = new OnnxGraphBuilder("imported");
        string input = EmbeddingContractNodes.RawInput(builder, source.InputSize);
        builder.UniqueName(ModelContract.EmbeddingName);
        builder.UniqueName(ModelContract.EmbeddingNormName);

        // Every source tensor keeps its name unless it clashes with the contract's names.
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        var nodes = source.NeededNodes();
        var used = nodes.SelectMany(n => n.Input).Where(i => i.Length > 0).ToHashSet(StringComparer.Ordinal);
        foreach (var name in source.Graph.Initializer.Select(t => t.Name).Where(used.Contains)
                     .Concat(nodes.SelectMany(n => n.Output).Where(o => o.Length > 0)))
        {
            if (!names.ContainsKey(name))
            {
                names[name] = builder.UniqueName(name);
                if (names[name] != name)
                {
                    changes.Add($"source tensor '{name}' renamed to '{names[name]}' (the contract uses that name)");
                }
            }
        }

        names[source.InputName] = Preprocess(builder, input, options);
        string Map(string name) => name.Length == 0 ? name : names[name];

        foreach (var tensor in source.Graph.Initializer.Where(t => used.Contains(t.Name)))
        {
            builder.AddInitializer(Map(tensor.Name), tensor);
        }

        var constants = source.IntegerConstants().Where(c => names.ContainsKey(c.Key)).ToDictionary(c => Map(c.Key), c => c.Value, StringComparer.Ordinal);
        int converted = 0;
        foreach (var original in nodes)
        {
            var node = original.Clone();
            node.Input.Clear();
            node.Input.AddRange(original.Input.Select(Map));
            node.Output.Clear();
            node.Output.AddRange(original.Output.Select((o, index) => TrainingOnlyOutput(original, index) && !used.Contains(o) ? "" : Map(o)));
            var result = OpsetConversion.Convert(
                node, source.Opset,
                (prefix, values) => builder.AddInitializer(builder.UniqueName(prefix), values, values.Length),
                (prefix, value) => builder.AddInitializer(builder.UniqueName(prefix), [value]),
                name => constants.GetValueOrDefault(name), source.Source);
            if (result.OpType != node.OpType || !result.Inputs.SequenceEqual(node.Input) || result.Attributes.Count != node.Attribute.Count)
            {
                converted++;
            }

            if (source.FixedBatch is { } batch && result.OpType == "Reshape" && constants.TryGetValue(result.Inputs[1], out var shape)
                && shape.Length >= 2 && shape[0] == batch)
            {
                // A target shape that spells out the fixed batch size; 0 copies the input's first dimension instead.
                long[] dynamic = [0, .. shape[1..]];
                result.Inputs[1] = builder.AddInitializer(builder.UniqueName(result.Inputs[1] + "_dynamic_batch"), dynamic, dynamic.Length);
                changes.Add($"{OnnxNodeAttributes.Describe(original)}: target shape [{string.Join(", ", shape)}] hard-coded batch {batch}; now [{string.Join(", ", dynamic)}]");
            }

            builder.AddNode(result.OpType, result.Inputs, result.Outputs, [.. result.Attributes]);
        }

        if (source.FixedBatch is { } fixedBatch)
        {
            changes.Add($"input '{source.InputName}' had a fixed batch size {fixedBatch}; the batch is now the dynamic dimension '{ModelContract.BatchDimension}'");
        }

        if (source.Opset != ModelContract.OpsetVersion)
        {
            changes.Add($"converted from opset {source.Opset} to opset {ModelContract.OpsetVersion} ({converted} node(s) rewritten)");
        }

        string embedding = Map(source.OutputName);
        if (source.OutputNeedsFlatten)
        {
            embedding = builder.AddNode("Flatten", [embedding], builder.UniqueName(embedding + "_flat"), OnnxAttr.OfInt("axis", 1));
        }

        EmbeddingContractNodes.EmbeddingOutputs(builder, embedding, card.EmbeddingSize);
        try
        {
            return builder.Build(LibraryInfo.ProducerName, LibraryInfo.Version, card.ToMetadata());
        }
        catch (OnnxGraphException e)
        {
            throw new OnnxModelException(source.Source, "its graph is not well formed: " + e.Message, e);
        }
    }

    /// <summary>The extra outputs of Dropout (mask) and BatchNormalization (training statistics), dropped when unused.</summary>
    private static bool TrainingOnlyOutput(NodeProto node, int index) => index > 0 && node.OpType is "Dropout" or "BatchNormalization";

    /// <summary>Channel swap, then <c>(x / scale - mean) / std</c>, each node only when it changes something.</summary>
    private static string Preprocess(OnnxGraphBuilder builder, string input, FaceModelImportOptions options)
    {
        string x = input;
        if (options.Channels == SourceChannelOrder.Bgr)
        {
            string order = builder.AddInitializer(builder.UniqueName("channel_order_bgr"), [2L, 1L, 0L], 3);
            x = builder.AddNode("Gather", [x, order], builder.UniqueName("input_bgr"), OnnxAttr.OfInt("axis", 1));
        }

        if (options.PixelScale != 1f)
        {
            string scale = builder.AddInitializer(builder.UniqueName("pixel_scale"), [options.PixelScale]);
            x = builder.AddNode("Div", [x, scale], builder.UniqueName("input_scaled"));
        }

        if (options.Mean.Any(m => m != 0f))
        {
            string mean = builder.AddInitializer(builder.UniqueName("pixel_mean"), options.Mean.ToArray(), 1, 3, 1, 1);
            x = builder.AddNode("Sub", [x, mean], builder.UniqueName("input_centred"));
        }

        if (options.Std.Any(s => s != 1f))
        {
            string std = builder.AddInitializer(builder.UniqueName("pixel_std"), options.Std.ToArray(), 1, 3, 1, 1);
            x = builder.AddNode("Div", [x, std], builder.UniqueName("input_normalised"));
        }

        return x;
    }

    private static ModelCard Card(ForeignGraph source, FaceModelImportOptions options, string sha256, string sourceName, int embeddingSize)
    {
        string Join(IReadOnlyList<float> values) => string.Join(",", values.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
        string preprocessing =
            $"channels={options.Channels.ToString().ToUpperInvariant()};scale={options.PixelScale.ToString("R", CultureInfo.InvariantCulture)};" +
            $"mean={Join(options.Mean)};std={Join(options.Std)}";
        string file = Path.GetFileName(sourceName);
        var extra = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [ModelCardKeys.SourceSha256] = sha256,
            [ModelCardKeys.SourceName] = file,
            [ModelCardKeys.SourcePreprocessing] = preprocessing,
            [ModelCardKeys.SourceInputName] = source.InputName,
            [ModelCardKeys.SourceOutputName] = source.OutputName,
            [ModelCardKeys.SourceOpset] = source.Opset.ToString(CultureInfo.InvariantCulture),
        };
        return new ModelCard
        {
            LibraryVersion = LibraryInfo.Version,
            Backbone = options.Name ?? Path.GetFileNameWithoutExtension(file),
            InputSize = source.InputSize,
            EmbeddingSize = embeddingSize,
            Alignment = options.Alignment,
            AdditionalProperties = new ReadOnlyDictionary<string, string>(extra),
        };
    }

    private static int TrialEmbeddingSize(ModelProto model, string source)
    {
        using var session = Session(model, source);
        int size = session.InputMetadata[ModelContract.InputName].Dimensions[2];
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(ModelContract.InputName, Pixels(1, size, 0))]);
        var embedding = results.First(r => r.Name == ModelContract.EmbeddingName).AsTensor<float>();
        return embedding.Dimensions.Length == 2 && embedding.Dimensions[1] > 0
            ? embedding.Dimensions[1]
            : throw new OnnxModelException(source, $"the embedding tensor has shape [{string.Join(", ", embedding.Dimensions.ToArray())}]; an embedding model outputs one vector per image, [batch, D]");
    }

    /// <summary>Runs two different images together and alone: a graph that hard-codes the batch cannot pass.</summary>
    private static void CheckBatchIndependence(ModelProto model, ModelCard card, string source)
    {
        using var session = Session(model, source);
        Runtime.EmbeddingModelContract.Check(session, card, source);
        int size = card.InputSize;
        var pair = Run(session, Pixels(2, size, 1));
        for (int image = 0; image < 2; image++)
        {
            var alone = Run(session, Pixels(1, size, 1 + image));
            for (int d = 0; d < card.EmbeddingSize; d++)
            {
                float together = pair[(image * card.EmbeddingSize) + d];
                if (!float.IsFinite(together) || Math.Abs(together - alone[d]) > BatchIndependenceTolerance)
                {
                    throw new OnnxModelException(source,
                        $"image {image} of a batch of two gets a different embedding than alone ({together} vs {alone[d]} at {d}); " +
                        "a node hard-codes the batch size (a Reshape, Expand or Tile with a constant shape?)");
                }
            }
        }
    }

    private static float[] Run(InferenceSession session, DenseTensor<float> pixels)
    {
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(ModelContract.InputName, pixels)]);
        return results.First(r => r.Name == ModelContract.EmbeddingName).AsTensor<float>().ToArray();
    }

    /// <summary>Deterministic test images, different for each <paramref name="seed"/>, in 0..255.</summary>
    private static DenseTensor<float> Pixels(int batch, int size, int seed)
    {
        var tensor = new DenseTensor<float>([batch, ModelContract.Channels, size, size]);
        var values = tensor.Buffer.Span;
        int perImage = values.Length / batch;
        for (int i = 0; i < values.Length; i++)
        {
            int image = seed + (i / perImage);
            values[i] = (float)(127.5 + (120 * Math.Sin((0.37 * image) + (0.011 * (i % perImage) * (image + 1)))));
        }

        return tensor;
    }

    private static InferenceSession Session(ModelProto model, string source)
    {
        try
        {
            using var options = new SessionOptions { LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
            return new InferenceSession(Google.Protobuf.MessageExtensions.ToByteArray(model), options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new OnnxModelException(source, "ONNX Runtime cannot load the imported graph: " + e.Message, e);
        }
    }
}
