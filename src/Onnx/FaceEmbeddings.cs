namespace KappaFace.MLNet.Onnx;

/// <summary>
/// The result of <see cref="FaceEmbedder.Embed(ReadOnlySpan{float}, int)"/>: one L2-normalised
/// embedding per image (row-major, <see cref="Count"/> x <see cref="Dimension"/>) and the norm each had
/// before normalisation (a quality signal).
/// </summary>
public sealed class FaceEmbeddings
{
    private readonly float[] _vectors;
    private readonly float[] _norms;

    internal FaceEmbeddings(int count, int dimension, float[] vectors, float[] norms)
    {
        Count = count;
        Dimension = dimension;
        _vectors = vectors;
        _norms = norms;
    }

    /// <summary>Number of images.</summary>
    public int Count { get; }

    /// <summary>Embedding dimension D.</summary>
    public int Dimension { get; }

    /// <summary>All embeddings, row-major: image i is at <c>[i * Dimension, (i + 1) * Dimension)</c>.</summary>
    public ReadOnlyMemory<float> Vectors => _vectors;

    /// <summary>All pre-normalisation norms, one per image.</summary>
    public ReadOnlyMemory<float> Norms => _norms;

    /// <summary>The embedding of image <paramref name="index"/>.</summary>
    /// <param name="index">Image index.</param>
    /// <returns>A view of D values.</returns>
    public ReadOnlySpan<float> GetEmbedding(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return _vectors.AsSpan(index * Dimension, Dimension);
    }

    /// <summary>The pre-normalisation norm of image <paramref name="index"/>.</summary>
    /// <param name="index">Image index.</param>
    /// <returns>The norm.</returns>
    public float GetNorm(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return _norms[index];
    }

    /// <summary>Copies the embeddings into one array per image.</summary>
    /// <returns>Count arrays of D values.</returns>
    public float[][] ToArrays()
    {
        var result = new float[Count][];
        for (var i = 0; i < Count; i++)
        {
            result[i] = GetEmbedding(i).ToArray();
        }

        return result;
    }
}
