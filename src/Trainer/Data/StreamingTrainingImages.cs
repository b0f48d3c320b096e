using KappaFace.MLNet.Data;

namespace KappaFace.MLNet.Trainer.Data;

/// <summary>
/// The images of a scanned folder, decoded from disk each time they are needed (with the rules of
/// <see cref="FaceImageSet.LoadFolder(ImageFolderScan, int, IProgress{int})"/>, so the pixels are identical), so
/// that memory holds only the batches in flight whatever the folder's size.
/// </summary>
/// <remarks>
/// Labels and image order follow <see cref="ImageFolder.Scan(string)"/> (identities, then files, in ordinal order), the
/// same as the in-memory path; a filtered scan (for example one that dropped unreadable files) is taken as is.
/// </remarks>
public sealed class StreamingTrainingImages : ITrainingImages
{
    private readonly int[] _labels;
    private readonly string[] _sources;
    private readonly int _classCount;

    /// <summary>Indexes the files of <paramref name="scan"/>; nothing is decoded yet.</summary>
    /// <param name="scan">The folder's identities and files, in label order.</param>
    /// <param name="imageSize">The side S images are resized to.</param>
    /// <exception cref="FaceDataException">An identity of the scan has no image (labels must cover every class).</exception>
    public StreamingTrainingImages(ImageFolderScan scan, int imageSize)
    {
        ArgumentNullException.ThrowIfNull(scan);
        ArgumentOutOfRangeException.ThrowIfLessThan(imageSize, 1);
        ImageSize = imageSize;
        _classCount = scan.Identities.Count;
        if (scan.Identities.FirstOrDefault(identity => identity.Images.Count == 0) is { } empty)
        {
            throw new FaceDataException(empty.Directory, "the identity folder has no image (every class needs at least one)");
        }
        (_sources, _labels) = scan.LabelledFiles();
        Labels = Array.AsReadOnly(_labels);
        Sources = Array.AsReadOnly(_sources);
    }

    /// <inheritdoc />
    public int ImageSize { get; }

    /// <inheritdoc />
    public int Count => _labels.Length;

    /// <inheritdoc />
    public int ClassCount => _classCount;

    /// <inheritdoc />
    public IReadOnlyList<int> Labels { get; }

    /// <inheritdoc />
    public IReadOnlyList<string> Sources { get; }

    /// <summary>
    /// Scans <paramref name="directory"/> (<c>DIR/&lt;identity&gt;/&lt;image&gt;</c>) and indexes its files without
    /// checking them; a bad file then stops training when its batch is decoded. To apply a bad-image policy
    /// up front, construct from <see cref="FaceFolderCheck.Run(string, FaceFolderLoadOptions?, IProgress{int}?)"/>'s
    /// usable scan instead (as <c>kappaface train --stream</c> does).
    /// </summary>
    /// <exception cref="FaceDataException">The folder layout is wrong (see <see cref="ImageFolder.Scan(string)"/>).</exception>
    public static StreamingTrainingImages FromFolder(string directory, int imageSize)
        => new(ImageFolder.Scan(directory), imageSize);

    /// <inheritdoc />
    public long[] ClassCounts()
    {
        var counts = new long[_classCount];
        foreach (int label in _labels)
        {
            counts[label]++;
        }
        return counts;
    }

    /// <inheritdoc />
    public void CopyPixels(int index, Span<byte> target)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        FaceImageFile.Decode(_sources[index], ImageSize).CopyTo(target);
    }
}
