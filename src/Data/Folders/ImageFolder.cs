using System.Collections.Frozen;

namespace KappaFace.MLNet.Data;

/// <summary>
/// Reads the layout of an image folder (<c>DIR/&lt;identity&gt;/&lt;image&gt;</c>, docs/verification.md, "Data formats")
/// without decoding any image.
/// </summary>
public static class ImageFolder
{
    /// <summary>The image file extensions recognised, compared case-insensitively.</summary>
    public static IReadOnlySet<string> ImageExtensions { get; } =
        new[] { ".png", ".jpg", ".jpeg", ".bmp", ".webp" }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Lists the identities (subfolders, sorted ordinally) and their image files (sorted ordinally).
    /// Files at the top level, files with other extensions, folders nested inside identity folders and
    /// hidden folders (name starting with '.') are not used and are listed in
    /// <see cref="ImageFolderScan.IgnoredPaths"/>.
    /// </summary>
    /// <param name="directory">The data folder.</param>
    /// <returns>The identities and their images.</returns>
    /// <exception cref="FaceDataException">
    /// The folder does not exist or cannot be listed, holds no identity folder, or an identity folder holds
    /// no image or cannot be listed.
    /// </exception>
    public static ImageFolderScan Scan(string directory) => Scan(directory, allowUnusableIdentities: false);

    /// <summary>
    /// Lists the folder as <see cref="Scan(string)"/> does; with <paramref name="allowUnusableIdentities"/>,
    /// empty or unreadable identity folders are listed in <see cref="ImageFolderScan.UnusableIdentities"/>
    /// instead of failing the scan (for <see cref="FaceFolderCheck"/>, which applies a
    /// <see cref="BadImagePolicy"/> to them).
    /// </summary>
    /// <param name="directory">The data folder.</param>
    /// <param name="allowUnusableIdentities">Report empty or unreadable identity folders instead of throwing.</param>
    /// <returns>The identities and their images.</returns>
    /// <exception cref="FaceDataException">The folder does not exist or cannot be listed, or holds no
    /// identity folder; without <paramref name="allowUnusableIdentities"/>, also an empty or unreadable identity folder.</exception>
    public static ImageFolderScan Scan(string directory, bool allowUnusableIdentities)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        string root = Path.GetFullPath(directory);
        if (!Directory.Exists(root))
        {
            throw new FaceDataException(root, File.Exists(root) ? "is a file, not an image folder" : "image folder not found");
        }

        var ignored = new List<string>();
        var identities = new List<ImageFolderIdentity>();
        var unusable = new List<FaceDataIssue>();
        List<string> identityDirectories;
        try
        {
            ignored.AddRange(Directory.EnumerateFiles(root));
            identityDirectories = SortedOrdinal(Directory.EnumerateDirectories(root));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FaceDataException(root, FaceDataIssueKind.Unreadable, $"image folder cannot be listed: {e.Message}", e);
        }

        foreach (string identityDirectory in identityDirectories)
        {
            string name = Path.GetFileName(identityDirectory);
            // Hidden folders (.git, .cache, ...) are tool artefacts, never people.
            if (name.StartsWith('.'))
            {
                ignored.Add(identityDirectory);
                continue;
            }

            if (ScanIdentity(name, identityDirectory, ignored, out FaceDataIssue? problem) is { } identity)
            {
                identities.Add(identity);
            }
            else if (allowUnusableIdentities)
            {
                unusable.Add(problem!);
            }
            else
            {
                throw new FaceDataException(problem!.Path, problem.Kind, problem.Reason);
            }
        }

        if (identities.Count == 0 && unusable.Count == 0)
        {
            throw new FaceDataException(root, "no identity folders found; expected DIR/<identity>/<image> (png, jpg, jpeg, bmp, webp)");
        }

        ignored.Sort(StringComparer.Ordinal);
        return new ImageFolderScan(root, identities.AsReadOnly(), ignored.AsReadOnly(), unusable.AsReadOnly());
    }

    /// <summary>True when the path has one of the recognised image extensions.</summary>
    public static bool IsImageFile(string path) => ImageExtensions.Contains(Path.GetExtension(path));

    /// <summary>
    /// Every image file below <paramref name="root"/> at any depth, in ordinal order, leaving out hidden files
    /// and anything under a folder whose name starts with a dot.
    /// </summary>
    /// <param name="root">The folder to search.</param>
    /// <returns>Full paths.</returns>
    public static IEnumerable<string> ImagesUnder(string root) =>
        Directory.EnumerateFiles(root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.Hidden })
            .Where(IsImageFile)
            .Where(f => !Path.GetRelativePath(root, f).Split(Path.DirectorySeparatorChar).Any(part => part.StartsWith('.')))
            .Order(StringComparer.Ordinal);

    private static ImageFolderIdentity? ScanIdentity(string name, string identityDirectory, List<string> ignored, out FaceDataIssue? problem)
    {
        var images = new List<string>();
        var others = new List<string>();
        try
        {
            foreach (string file in SortedOrdinal(Directory.EnumerateFiles(identityDirectory)))
            {
                (IsImageFile(file) ? images : others).Add(file);
            }

            others.AddRange(Directory.EnumerateDirectories(identityDirectory));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A folder name that is not valid UTF-8 decodes to U+FFFD and then names no folder.
            string reason = name.Contains('\uFFFD', StringComparison.Ordinal)
                ? "identity folder cannot be listed: its name is not valid UTF-8 (shown with U+FFFD); rename it"
                : $"identity folder cannot be listed: {e.Message}";
            problem = new FaceDataIssue(FaceDataIssueKind.Unreadable, identityDirectory, reason);
            return null;
        }

        ignored.AddRange(others);
        if (images.Count == 0)
        {
            problem = new FaceDataIssue(FaceDataIssueKind.EmptyIdentity, identityDirectory,
                $"identity folder '{name}' holds no images (png, jpg, jpeg, bmp, webp)");
            return null;
        }

        problem = null;
        return new ImageFolderIdentity(name, identityDirectory, images.AsReadOnly());
    }

    private static List<string> SortedOrdinal(IEnumerable<string> paths)
    {
        // Ordinal order does not depend on the machine's culture, so labels are the same everywhere.
        var list = paths.ToList();
        list.Sort(StringComparer.Ordinal);
        return list;
    }
}
