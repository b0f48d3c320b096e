namespace KappaFace.MLNet.Data;

/// <summary>The kinds of problem (or notable fact) found while checking an image folder.</summary>
/// <remarks>
/// <see cref="FaceDataIssueKinds.ActionOf"/> says what each kind leads to; <see cref="FaceDataIssueKinds.NameOf"/>
/// gives the stable kebab-case name used in summaries and JSON.
/// </remarks>
public enum FaceDataIssueKind
{
    /// <summary>The file (or identity folder) cannot be opened: I/O error, permissions, or a file name that is not valid UTF-8.</summary>
    Unreadable,

    /// <summary>The file is empty.</summary>
    ZeroByte,

    /// <summary>The file starts like a supported image but is truncated or its data is damaged.</summary>
    Corrupt,

    /// <summary>The content is not an image at all (e.g. text saved as <c>.png</c>).</summary>
    NotAnImage,

    /// <summary>The content is an image format (or variant) the decoder cannot read, e.g. TIFF or HEIF content in a <c>.jpg</c>.</summary>
    UnsupportedFormat,

    /// <summary>A side is below <see cref="FaceFolderLoadOptions.MinimumImageSide"/>.</summary>
    TooSmall,

    /// <summary>More pixels than <see cref="FaceFolderLoadOptions.MaximumImagePixels"/> (a decompression-bomb guard).</summary>
    TooLarge,

    /// <summary>A byte-identical copy of an earlier image of the same identity: dropped, the first copy is kept.</summary>
    Duplicate,

    /// <summary>A byte-identical picture filed under two or more identities: a labelling error.</summary>
    CrossIdentityDuplicate,

    /// <summary>An identity folder that holds no image file.</summary>
    EmptyIdentity,

    /// <summary>An identity all of whose images were skipped or dropped: the identity is dropped.</summary>
    IdentityWithoutImages,

    /// <summary>An identity left with one image: kept (a class for training) but it gives no same-identity pair.</summary>
    SingleImageIdentity,

    /// <summary>Kept after conversion to 8-bit RGB (greyscale, palette, CMYK, 16-bit, transparency over black).</summary>
    Converted,

    /// <summary>Present but not loaded: other extensions, top-level files, nested or hidden folders.</summary>
    Ignored,
}
