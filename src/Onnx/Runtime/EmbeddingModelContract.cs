using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace KappaFace.MLNet.Onnx.Runtime;

/// <summary>
/// Checks a loaded session against the embedding-model contract (docs/onnx-model.md, Contract): one input
/// <c>input</c> float32 <c>[batch, 3, H, H]</c>; outputs <c>embedding</c> float32 <c>[batch, D]</c> and
/// <c>embedding_norm</c> float32 <c>[batch, 1]</c>; and the model card agreeing with H and D.
/// </summary>
internal static class EmbeddingModelContract
{
    /// <summary>Returns (H, D) or throws an <see cref="OnnxModelException"/> naming the problem.</summary>
    public static (int InputSize, int EmbeddingSize) Check(InferenceSession session, ModelCard card, string source)
    {
        var inputs = session.InputMetadata;
        if (!inputs.TryGetValue(ModelContract.InputName, out var input))
        {
            throw Bad(source, $"it has no input '{ModelContract.InputName}' (inputs: {string.Join(", ", inputs.Keys)})");
        }

        if (inputs.Count != 1)
        {
            throw Bad(source, $"it has extra inputs ({string.Join(", ", inputs.Keys)}); only '{ModelContract.InputName}' is allowed");
        }

        var dims = CheckFloatTensor(source, "input", ModelContract.InputName, input, 4, "[batch, 3, H, W]");
        if (dims[0] >= 0)
        {
            throw Bad(source, $"input '{ModelContract.InputName}' has a fixed batch size {dims[0]}; the batch dimension must be dynamic");
        }

        if (dims[1] != ModelContract.Channels || dims[2] <= 0 || dims[2] != dims[3])
        {
            throw Bad(source, $"input '{ModelContract.InputName}' has shape {Describe(input)}; expected [batch, 3, H, H] with a fixed H");
        }

        var outputs = session.OutputMetadata;
        var embedding = Output(source, outputs, ModelContract.EmbeddingName);
        var embeddingDims = CheckFloatTensor(source, "output", ModelContract.EmbeddingName, embedding, 2, "[batch, D]");
        if (embeddingDims[1] <= 0)
        {
            throw Bad(source, $"output '{ModelContract.EmbeddingName}' has shape {Describe(embedding)}; expected [batch, D] with a fixed D");
        }

        var norm = Output(source, outputs, ModelContract.EmbeddingNormName);
        var normDims = CheckFloatTensor(source, "output", ModelContract.EmbeddingNormName, norm, 2, "[batch, 1]");
        if (normDims[1] != 1)
        {
            throw Bad(source, $"output '{ModelContract.EmbeddingNormName}' has shape {Describe(norm)}; expected [batch, 1]");
        }

        if (card.InputSize != dims[2])
        {
            throw Bad(source, $"model card says input size {card.InputSize} but the graph input is {dims[2]}x{dims[3]}");
        }

        if (card.EmbeddingSize != embeddingDims[1])
        {
            throw Bad(source, $"model card says embedding size {card.EmbeddingSize} but the graph output has {embeddingDims[1]}");
        }

        return (dims[2], embeddingDims[1]);
    }

    private static NodeMetadata Output(string source, IReadOnlyDictionary<string, NodeMetadata> outputs, string name) =>
        outputs.TryGetValue(name, out var meta)
            ? meta
            : throw Bad(source, $"it has no output '{name}' (outputs: {string.Join(", ", outputs.Keys)})");

    private static int[] CheckFloatTensor(string source, string kind, string name, NodeMetadata meta, int rank, string expected)
    {
        if (!meta.IsTensor || meta.ElementDataType != TensorElementType.Float)
        {
            throw Bad(source, $"{kind} '{name}' is not a float32 tensor; expected float32 {expected}");
        }

        if (meta.Dimensions.Length != rank)
        {
            throw Bad(source, $"{kind} '{name}' has rank {meta.Dimensions.Length} {Describe(meta)}; expected rank {rank} {expected}");
        }

        return meta.Dimensions;
    }

    private static string Describe(NodeMetadata meta)
    {
        var parts = new string[meta.Dimensions.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            var symbol = meta.SymbolicDimensions.Length > i ? meta.SymbolicDimensions[i] : null;
            parts[i] = meta.Dimensions[i] >= 0
                ? meta.Dimensions[i].ToString(System.Globalization.CultureInfo.InvariantCulture)
                : string.IsNullOrEmpty(symbol) ? "?" : symbol;
        }

        return "[" + string.Join(", ", parts) + "]";
    }

    private static OnnxModelException Bad(string source, string problem) => new(source, problem);
}
