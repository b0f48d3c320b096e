namespace KappaFace.MLNet.Data;

/// <summary>
/// How an image folder is checked while it is loaded (<see cref="FaceImageSet.LoadFolder(string, int, FaceFolderLoadOptions, out FaceDataReport, IProgress{int})"/>,
/// <see cref="FaceFolderCheck"/>). The defaults are the documented policy of docs/reliability.md (Bad input).
/// </summary>
public sealed record FaceFolderLoadOptions
{
    /// <summary>The smallest side accepted by default, in pixels.</summary>
    public const int DefaultMinimumImageSide = 16;

    /// <summary>The most pixels (width x height) accepted by default: 8192 x 8192.</summary>
    public const long DefaultMaximumImagePixels = 8192L * 8192;

    /// <summary>
    /// The checks of the overloads without options, kept for compatibility: bad files still fail the load,
    /// any size from 1 px up to <see cref="DefaultMaximumImagePixels"/> (a decompression-bomb guard) is
    /// accepted, and duplicates are not looked for.
    /// </summary>
    public static FaceFolderLoadOptions DecodeOnly { get; } = new() { MinimumImageSide = 1, DetectDuplicates = false };

    /// <summary>What happens to bad input; <see cref="BadImagePolicy.Fail"/> by default.</summary>
    public BadImagePolicy OnBadImage { get; init; } = BadImagePolicy.Fail;

    /// <summary>
    /// Images with a side below this are bad input (<see cref="FaceDataIssueKind.TooSmall"/>) rather than
    /// upscaled: a 4 x 4 thumbnail scaled to 112 x 112 is a blur, and training on it teaches the network
    /// noise. Default <see cref="DefaultMinimumImageSide"/>; 1 accepts every size.
    /// </summary>
    public int MinimumImageSide { get; init; } = DefaultMinimumImageSide;

    /// <summary>
    /// Images with more pixels than this are bad input (<see cref="FaceDataIssueKind.TooLarge"/>): decoding
    /// one would take width x height x 4 bytes, and a face crop is never that large.
    /// </summary>
    public long MaximumImagePixels { get; init; } = DefaultMaximumImagePixels;

    /// <summary>
    /// Look for byte-identical files (SHA-256 of the file bytes). Within an identity the first copy in
    /// ordinal order is kept and the others dropped; a picture under two identities is a labelling error
    /// (<see cref="FaceDataIssueKind.CrossIdentityDuplicate"/>): every copy is bad input. Default true.
    /// </summary>
    public bool DetectDuplicates { get; init; } = true;

    /// <summary>Rejects settings that cannot work.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A limit is not positive or the policy is unknown.</exception>
    public void Validate()
    {
        if (!Enum.IsDefined(OnBadImage))
        {
            throw new ArgumentOutOfRangeException(nameof(OnBadImage), OnBadImage, "Unknown bad-image policy.");
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MinimumImageSide, nameof(MinimumImageSide));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaximumImagePixels, nameof(MaximumImagePixels));
    }
}
