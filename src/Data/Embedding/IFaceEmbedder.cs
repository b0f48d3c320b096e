using KappaFace.MLNet.Onnx;

namespace KappaFace.MLNet.Data.Embedding;

/// <summary>
/// Face embeddings from images: the one call that command lines, examples and applications use, so none of
/// them decodes pixels or lays out model tensors itself. Files and streams hold encoded images (png, jpg,
/// bmp, webp); decoded images are <see cref="RgbImage"/>s. Results keep the input order.
/// </summary>
public interface IFaceEmbedder : IDisposable
{
    /// <summary>The side S of the square image the model takes; inputs of other sizes are centre-cropped and scaled to it.</summary>
    int InputSize { get; }

    /// <summary>The embedding dimension D.</summary>
    int EmbeddingSize { get; }

    /// <summary>The verification threshold of the model card, or null when the model is not calibrated.</summary>
    double? Threshold { get; }

    /// <summary>Embeds image files.</summary>
    /// <param name="imageFiles">The files.</param>
    /// <param name="cancellationToken">Stops the work between batches.</param>
    /// <returns>One embedding and norm per file.</returns>
    /// <exception cref="FaceDataException">A file is bad (the first in input order is named).</exception>
    FaceEmbeddings Embed(IReadOnlyList<string> imageFiles, CancellationToken cancellationToken = default);

    /// <summary>Embeds encoded images read from streams (each read to its end; not disposed).</summary>
    /// <param name="images">The streams.</param>
    /// <param name="cancellationToken">Stops the work between batches.</param>
    /// <returns>One embedding and norm per stream.</returns>
    /// <exception cref="FaceDataException">A stream cannot be read or decoded.</exception>
    FaceEmbeddings Embed(IReadOnlyList<Stream> images, CancellationToken cancellationToken = default);

    /// <summary>Embeds decoded images.</summary>
    /// <param name="images">The images, any size.</param>
    /// <param name="cancellationToken">Stops the work between batches.</param>
    /// <returns>One embedding and norm per image.</returns>
    FaceEmbeddings Embed(IReadOnlyList<RgbImage> images, CancellationToken cancellationToken = default);
}

/// <summary>One-image forms of <see cref="IFaceEmbedder"/>.</summary>
public static class FaceEmbedderExtensions
{
    /// <summary>The L2-normalised embedding of one image file.</summary>
    /// <exception cref="FaceDataException">The file is bad.</exception>
    public static float[] Embed(this IFaceEmbedder embedder, string imageFile)
    {
        ArgumentNullException.ThrowIfNull(embedder);
        return embedder.Embed([imageFile]).GetEmbedding(0).ToArray();
    }

    /// <summary>The L2-normalised embedding of one encoded image read from a stream.</summary>
    /// <exception cref="FaceDataException">The stream cannot be read or decoded.</exception>
    public static float[] Embed(this IFaceEmbedder embedder, Stream image)
    {
        ArgumentNullException.ThrowIfNull(embedder);
        return embedder.Embed([image]).GetEmbedding(0).ToArray();
    }

    /// <summary>The L2-normalised embedding of one decoded image.</summary>
    public static float[] Embed(this IFaceEmbedder embedder, RgbImage image)
    {
        ArgumentNullException.ThrowIfNull(embedder);
        return embedder.Embed([image]).GetEmbedding(0).ToArray();
    }
}
