using KappaFace.MLNet.Data;

namespace KappaFace.MLNet.Trainer.Data;

/// <summary>An already decoded <see cref="FaceImageSet"/> seen as <see cref="ITrainingImages"/>.</summary>
public sealed class InMemoryTrainingImages : ITrainingImages
{
    private readonly FaceImageSet _set;

    /// <summary>Wraps <paramref name="set"/> (not copied).</summary>
    public InMemoryTrainingImages(FaceImageSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        _set = set;
    }

    /// <inheritdoc />
    public int ImageSize => _set.ImageSize;

    /// <inheritdoc />
    public int Count => _set.Count;

    /// <inheritdoc />
    public int ClassCount => _set.ClassCount;

    /// <inheritdoc />
    public IReadOnlyList<int> Labels => _set.Labels;

    /// <inheritdoc />
    public IReadOnlyList<string> Sources => _set.Sources;

    /// <inheritdoc />
    public long[] ClassCounts() => _set.ClassCounts();

    /// <inheritdoc />
    public void CopyPixels(int index, Span<byte> target) => _set.GetPixels(index).CopyTo(target);
}
