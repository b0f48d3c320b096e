namespace KappaFace.MLNet.Data;

/// <summary>
/// What loading an image folder does with a bad input (an unreadable, empty, corrupt, non-image,
/// unsupported, too small or too large file, an empty identity folder, or a picture filed under two
/// identities). The full table is in docs/reliability.md (Bad input).
/// </summary>
public enum BadImagePolicy
{
    /// <summary>
    /// Stop with a <see cref="FaceDataException"/> naming the first bad input in label order (and how many
    /// others there are). The default: a training set should not shrink without the user knowing.
    /// </summary>
    Fail,

    /// <summary>
    /// Leave bad inputs out, keep everything usable, and list what was left out and why in a
    /// <see cref="FaceDataReport"/>.
    /// </summary>
    Skip,
}
