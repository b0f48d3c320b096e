using KappaFace.MLNet.Data.Alignment;
using KappaFace.MLNet.Onnx;

namespace KappaFace.MLNet.Data.Embedding;

/// <summary>The embeddings of photo files (<see cref="FaceImageEmbedder.EmbedPhotos"/>).</summary>
/// <param name="Embeddings">One row per file; zeros (norm 0) for a skipped photo.</param>
/// <param name="Embedded">False for a photo skipped by the photo policies.</param>
/// <param name="Skipped">The photos without a usable face or unreadable, in input order.</param>
/// <param name="Dropped">Faces left out for degenerate landmarks.</param>
public sealed record PhotoEmbeddings(
    FaceEmbeddings Embeddings, IReadOnlyList<bool> Embedded, IReadOnlyList<SkippedPhoto> Skipped, IReadOnlyList<DroppedFace> Dropped);
