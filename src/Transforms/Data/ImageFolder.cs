using System.Collections.Frozen;

namespace KappaFace.MLNet.Transforms.Data;

/// <summary>
/// Reads the layout of an image folder (<c>DIR/&lt;identity&gt;/&lt;image&gt;</c>, design.md section 5)
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
    /// The folder does not exist, holds no identity folder, or an identity folder holds no image.
    /// </exception>
    public static ImageFolderScan Scan(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        string root = Path.GetFullPath(directory);
        if (!Directory.Exists(root))
        {
            throw new FaceDataException(root, File.Exists(root) ? "is a file, not an image folder" : "image folder not found");
        }

        var ignored = new List<string>();
        ignored.AddRange(Directory.EnumerateFiles(root));

        var identities = new List<ImageFolderIdentity>();
        foreach (string identityDirectory in SortedOrdinal(Directory.EnumerateDirectories(root)))
        {
            string name = Path.GetFileName(identityDirectory);
            // Hidden folders (.git, .cache, ...) are tool artefacts, never people.
            if (name.StartsWith('.'))
            {
                ignored.Add(identityDirectory);
                continue;
            }

            identities.Add(ScanIdentity(name, identityDirectory, ignored));
        }

        if (identities.Count == 0)
        {
            throw new FaceDataException(root, "no identity folders found; expected DIR/<identity>/<image> (png, jpg, jpeg, bmp, webp)");
        }

        ignored.Sort(StringComparer.Ordinal);
        return new ImageFolderScan(root, identities.AsReadOnly(), ignored.AsReadOnly());
    }

    /// <summary>True when the path has one of the recognised image extensions.</summary>
    public static bool IsImageFile(string path) => ImageExtensions.Contains(Path.GetExtension(path));

    private static ImageFolderIdentity ScanIdentity(string name, string identityDirectory, List<string> ignored)
    {
        var images = new List<string>();
        foreach (string file in SortedOrdinal(Directory.EnumerateFiles(identityDirectory)))
        {
            if (IsImageFile(file))
            {
                images.Add(file);
            }
            else
            {
                ignored.Add(file);
            }
        }

        ignored.AddRange(Directory.EnumerateDirectories(identityDirectory));
        if (images.Count == 0)
        {
            throw new FaceDataException(identityDirectory, $"identity folder '{name}' holds no images (png, jpg, jpeg, bmp, webp)");
        }

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
