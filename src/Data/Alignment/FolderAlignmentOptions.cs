namespace KappaFace.MLNet.Data.Alignment;

/// <summary>Options of <see cref="FolderAligner.Run"/>.</summary>
public sealed record FolderAlignmentOptions
{
    /// <summary>The side S of the square crops. Default 112 (the ArcFace template's own size).</summary>
    public int Size { get; init; } = ArcFaceTemplate.ReferenceSize;

    /// <summary>Which faces of a photo with several are written. Default <see cref="FaceSelection.Best"/>.</summary>
    public FaceSelection Faces { get; init; } = FaceSelection.Best;

    /// <summary>What to do with a photo without a face. Default <see cref="NoFacePolicy.Fail"/>.</summary>
    public NoFacePolicy OnNoFace { get; init; } = NoFacePolicy.Fail;

    /// <summary>What to do with an unreadable, corrupt or too large file. Default <see cref="BadImagePolicy.Fail"/>.</summary>
    public BadImagePolicy OnBadImage { get; init; } = BadImagePolicy.Fail;

    /// <summary>Larger images are bad input (bounds memory). Default <see cref="FaceFolderLoadOptions.DefaultMaximumImagePixels"/>.</summary>
    public long MaximumImagePixels { get; init; } = FaceFolderLoadOptions.DefaultMaximumImagePixels;
}

/// <summary>Progress of a folder alignment.</summary>
/// <param name="Done">Images processed.</param>
/// <param name="Total">Images in the folder.</param>
/// <param name="ImagesPerSecond">Throughput so far.</param>
/// <param name="Remaining">Estimated time left.</param>
public sealed record AlignmentProgress(int Done, int Total, double ImagesPerSecond, TimeSpan Remaining);

/// <summary>A photo that produced no crop, and why.</summary>
/// <param name="Path">Path relative to the data folder ('/' separators).</param>
/// <param name="Reason">"no face ..." or the decoder's reason.</param>
/// <param name="Kind">The bad-input kind, or null for a photo without a face.</param>
public sealed record SkippedPhoto(string Path, string Reason, FaceDataIssueKind? Kind);

/// <summary>What a folder alignment did.</summary>
public sealed record FolderAlignmentReport
{
    /// <summary>Images found.</summary>
    public int Images { get; init; }

    /// <summary>Images with at least one crop written.</summary>
    public int Aligned { get; init; }

    /// <summary>Crop files written (more than <see cref="Aligned"/> with <see cref="FaceSelection.All"/>).</summary>
    public int Crops { get; init; }

    /// <summary>Images without a face above the score threshold.</summary>
    public int NoFace { get; init; }

    /// <summary>Images in which more than one face was found.</summary>
    public int MultipleFaces { get; init; }

    /// <summary>Unreadable, corrupt, non-image, unsupported or too large files.</summary>
    public int Unreadable { get; init; }

    /// <summary>Written crops whose face box crosses the photo border (edge pixels repeated).</summary>
    public int CutByBorder { get; init; }

    /// <summary>Images processed per second (decode, detect, align, write).</summary>
    public double ImagesPerSecond { get; init; }

    /// <summary>Every photo without a crop, in path order.</summary>
    public IReadOnlyList<SkippedPhoto> Skipped { get; init; } = [];

    /// <summary>Photos that were converted while decoding (greyscale, CMYK, EXIF orientation, ...), with what was done.</summary>
    public IReadOnlyList<(string Path, string Conversion)> Converted { get; init; } = [];

    /// <summary>Photos with several faces, with the count found.</summary>
    public IReadOnlyList<(string Path, int Faces)> Multiple { get; init; } = [];
}
