namespace KappaFace.MLNet.Data.Alignment;

/// <summary>
/// Options of photo alignment: a folder into another (<see cref="FolderAligner.Run"/>), or photos aligned on
/// the fly (<see cref="PhotoAligner"/>, <see cref="PhotoFaces.Crops"/>).
/// </summary>
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

/// <summary>Why a photo produced no crop.</summary>
public enum PhotoSkipCause
{
    /// <summary>Unreadable, corrupt, not an image, unsupported or too large (the bad-image policy applies).</summary>
    BadImage,

    /// <summary>No face scored above the detector's threshold (the no-face policy applies).</summary>
    NoFace,

    /// <summary>Faces were found, but none has landmarks an alignment can use (<see cref="LandmarkGeometry"/>; the no-face policy applies).</summary>
    DegenerateLandmarks,
}

/// <summary>A photo that produced no crop, and why.</summary>
/// <param name="Path">Path relative to the data folder ('/' separators), or the path as given for photos aligned on the fly.</param>
/// <param name="Reason">"no face ...", "no usable face ..." or the decoder's reason.</param>
/// <param name="Kind">The bad-input kind, or null for a photo without a (usable) face.</param>
/// <param name="Cause">Which of the three kinds of skip it is.</param>
public sealed record SkippedPhoto(string Path, string Reason, FaceDataIssueKind? Kind, PhotoSkipCause Cause);

/// <summary>A face that was found but not aligned because its landmarks are degenerate.</summary>
/// <param name="Path">The photo, as in <see cref="SkippedPhoto.Path"/>.</param>
/// <param name="Score">The face's score.</param>
/// <param name="Reason">What is wrong with its landmarks (<see cref="LandmarkGeometry.Degeneracy"/>).</param>
public sealed record DroppedFace(string Path, float Score, string Reason);

/// <summary>What became of the data folder's <c>pairs.txt</c> in the aligned folder.</summary>
public enum PairsFileAction
{
    /// <summary>Copied byte for byte: every image it names has a crop of the same name.</summary>
    Copied,

    /// <summary>
    /// Rewritten as <c>PATH_A&lt;TAB&gt;PATH_B&lt;TAB&gt;LABEL</c> lines naming the crops: with
    /// <see cref="FaceSelection.All"/> each photo stands for its best-scoring face (<c>name_face1</c>), and
    /// pairs naming a photo without a crop are left out.
    /// </summary>
    Rewritten,

    /// <summary>Not written: the source file could not be read as a pairs file (see the note).</summary>
    NotWritten,
}

/// <summary>What was done with <c>pairs.txt</c>.</summary>
/// <param name="Action">Copied, rewritten or not written.</param>
/// <param name="Pairs">Pairs in the written file (0 when not written).</param>
/// <param name="Dropped">Pairs of the source file left out because they name a photo without a crop.</param>
/// <param name="FoldsLost">The source declared LFW folds, which the rewritten paths format cannot carry (folds.txt is still copied).</param>
/// <param name="Note">A sentence for the summary.</param>
public sealed record PairsFileOutcome(PairsFileAction Action, int Pairs, int Dropped, bool FoldsLost, string Note);

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

    /// <summary>Images whose every face has degenerate landmarks (<see cref="LandmarkGeometry"/>).</summary>
    public int DegenerateLandmarks { get; init; }

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

    /// <summary>Faces found but not aligned because of degenerate landmarks (their photo may still have a crop of another face).</summary>
    public IReadOnlyList<DroppedFace> DroppedFaces { get; init; } = [];

    /// <summary>What became of <c>pairs.txt</c>, or null when the data folder has none.</summary>
    public PairsFileOutcome? PairsFile { get; init; }
}
