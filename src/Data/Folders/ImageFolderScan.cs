namespace KappaFace.MLNet.Data;

/// <summary>The layout of an image folder, as found by <see cref="ImageFolder.Scan(string)"/>.</summary>
public sealed class ImageFolderScan
{
    /// <summary>Creates a scan result.</summary>
    /// <param name="directory">The full path of the data folder.</param>
    /// <param name="identities">The identities in label order.</param>
    /// <param name="ignoredPaths">Files and folders present but not used.</param>
    public ImageFolderScan(string directory, IReadOnlyList<ImageFolderIdentity> identities, IReadOnlyList<string> ignoredPaths)
        : this(directory, identities, ignoredPaths, [])
    {
    }

    /// <summary>Creates a scan result that also lists identity folders that could not be used.</summary>
    /// <param name="directory">The full path of the data folder.</param>
    /// <param name="identities">The identities in label order.</param>
    /// <param name="ignoredPaths">Files and folders present but not used.</param>
    /// <param name="unusableIdentities">Empty or unreadable identity folders, in ordinal name order.</param>
    public ImageFolderScan(
        string directory,
        IReadOnlyList<ImageFolderIdentity> identities,
        IReadOnlyList<string> ignoredPaths,
        IReadOnlyList<FaceDataIssue> unusableIdentities)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(identities);
        ArgumentNullException.ThrowIfNull(ignoredPaths);
        ArgumentNullException.ThrowIfNull(unusableIdentities);
        Directory = directory;
        Identities = identities;
        IgnoredPaths = ignoredPaths;
        UnusableIdentities = unusableIdentities;
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

    /// <summary>
    /// Identity folders left out of <see cref="Identities"/> because they hold no image
    /// (<see cref="FaceDataIssueKind.EmptyIdentity"/>) or cannot be listed (<see cref="FaceDataIssueKind.Unreadable"/>).
    /// Only <see cref="ImageFolder.Scan(string, bool)"/> with <c>allowUnusableIdentities</c> fills it; the
    /// strict scan throws instead.
    /// </summary>
    public IReadOnlyList<FaceDataIssue> UnusableIdentities { get; }

    /// <summary>The number of image files over all identities.</summary>
    public int ImageCount { get; }

    /// <summary>
    /// Every image file in label order (identities in order, then their files) with its label: the image index
    /// used by <see cref="FaceImageSet"/>, streamed training and generated pairs alike.
    /// </summary>
    /// <returns>Two arrays of <see cref="ImageCount"/> entries: the full paths and the labels.</returns>
    public (string[] Files, int[] Labels) LabelledFiles()
    {
        var files = new string[ImageCount];
        var labels = new int[ImageCount];
        int next = 0;
        for (int label = 0; label < Identities.Count; label++)
        {
            foreach (string file in Identities[label].Images)
            {
                files[next] = file;
                labels[next] = label;
                next++;
            }
        }

        return (files, labels);
    }

    /// <summary>
    /// Splits the folder into identity-disjoint training and validation folders with exactly the rule of
    /// <see cref="FaceImageSet.SplitByIdentity"/>, so that a streamed run (which never loads the folder) holds out
    /// the same identities as a loaded one for the same seed. Each part keeps identity order; ignored paths and
    /// unusable identities stay with the training part, which is the one reported.
    /// </summary>
    /// <param name="validationFraction">The share of identities for validation, in [0, 1).</param>
    /// <param name="seed">Seeds the choice of identities.</param>
    /// <exception cref="ArgumentOutOfRangeException">The fraction is outside [0, 1).</exception>
    /// <exception cref="ArgumentException">Too few identities: each part needs at least 2.</exception>
    public (ImageFolderScan Train, ImageFolderScan Validation) SplitByIdentity(double validationFraction, int seed)
    {
        bool[] isValidation = IdentitySplit.ChooseValidation(Identities.Count, validationFraction, seed);
        var train = Identities.Where((_, c) => !isValidation[c]).ToList();
        var validation = Identities.Where((_, c) => isValidation[c]).ToList();
        return (new ImageFolderScan(Directory, train.AsReadOnly(), IgnoredPaths, UnusableIdentities),
                new ImageFolderScan(Directory, validation.AsReadOnly(), []));
    }
}
