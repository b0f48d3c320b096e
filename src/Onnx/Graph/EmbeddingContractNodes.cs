namespace KappaFace.MLNet.Onnx.Graph;

/// <summary>
/// The two ends every KappaFace embedding model shares (<see cref="ModelContract"/>): the raw-pixel
/// input <c>input</c> float32 <c>[batch, 3, S, S]</c>, and the outputs <c>embedding</c> (L2-normalised)
/// and <c>embedding_norm</c>. Used by the exporter of trained backbones and by the importer of foreign
/// models, so both write the contract the same way.
/// </summary>
public static class EmbeddingContractNodes
{
    /// <summary>Declares <c>input</c> float32 <c>[batch, 3, S, S]</c> (raw RGB 0..255) and returns its name.</summary>
    /// <param name="builder">The graph being built.</param>
    /// <param name="inputSize">Side S in pixels.</param>
    /// <returns>The input tensor name.</returns>
    public static string RawInput(OnnxGraphBuilder builder, int inputSize)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputSize);
        return builder.AddInput(ModelContract.InputName, ModelContract.BatchDimension, ModelContract.Channels, inputSize, inputSize);
    }

    /// <summary>
    /// Adds <c>embedding_norm = ReduceL2(x, axes=[1], keepdims=1)</c> and <c>embedding = x / embedding_norm</c>
    /// and declares both as graph outputs. ReduceL2 + Div is the pattern OpenCV 4.6 imports
    /// (LpNormalization and opset-13 ReduceSum are not).
    /// </summary>
    /// <param name="builder">The graph being built.</param>
    /// <param name="x">The raw embedding tensor <c>[batch, D]</c>.</param>
    /// <param name="embeddingSize">D.</param>
    public static void EmbeddingOutputs(OnnxGraphBuilder builder, string x, int embeddingSize)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(x);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(embeddingSize);
        string norm = builder.AddNode(
            "ReduceL2", [x], ModelContract.EmbeddingNormName, OnnxAttr.OfInts("axes", 1), OnnxAttr.OfInt("keepdims", 1));
        builder.AddNode("Div", [x, norm], ModelContract.EmbeddingName);
        builder.AddOutput(ModelContract.EmbeddingName, ModelContract.BatchDimension, embeddingSize);
        builder.AddOutput(ModelContract.EmbeddingNormName, ModelContract.BatchDimension, 1);
    }
}
