namespace KappaFace.MLNet.Transforms.Data;

/// <summary>The layout of an image folder, as found by <see cref="ImageFolder.Scan"/>.</summary>
public sealed class ImageFolderScan
{
    /// <summary>Creates a scan result.</summary>
    /// <param name="directory">The full path of the data folder.</param>
    /// <param name="identities">The identities in label order.</param>
    /// <param name="ignoredPaths">Files and folders present but not used.</param>
    public ImageFolderScan(string directory, IReadOnlyList<ImageFolderIdentity> identities, IReadOnlyList<string> ignoredPaths)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(identities);
        ArgumentNullException.ThrowIfNull(ignoredPaths);
        Directory = directory;
        Identities = identities;
        IgnoredPaths = ignoredPaths;
        ImageCount = identities.Sum(identity => identity.Images.Count);
    }

    /// <summary>The full path of the data folder.</summary>
    public string Directory { get; }

    /// <summary>The identities sorted ordinally by name; the index is the class label.</summary>
    public IReadOnlyList<ImageFolderIdentity> Identities { get; }

    /// <summary>
    /// Files and folders that were found but not used (other extensions, top-level files, nested or
    /// hidden folders), sorted ordinally, so callers can report them.
    /// </summary>
    public IReadOnlyList<string> IgnoredPaths { get; }

    /// <summary>The number of image files over all identities.</summary>
    public int ImageCount { get; }
}
