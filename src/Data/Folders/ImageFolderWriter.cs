using KappaFace.MLNet.Data.Alignment;

namespace KappaFace.MLNet.Data;

/// <summary>
/// Writes a <see cref="FaceImageSet"/> as an image folder (<c>DIR/&lt;class&gt;/&lt;nnnn&gt;.png</c>, the
/// layout <see cref="ImageFolder.Scan(string)"/> reads), e.g. to turn generated faces into files that the
/// folder-based APIs, the CLI and the examples take.
/// </summary>
public static class ImageFolderWriter
{
    /// <summary>
    /// Writes every image of <paramref name="set"/> as a lossless PNG under its class folder; each file is
    /// written to a temporary name and renamed, so a folder never holds a half-written image.
    /// </summary>
    /// <param name="set">The images.</param>
    /// <param name="directory">The folder to write into (created if needed; existing files of the same name are replaced).</param>
    /// <returns>The scan of the written folder.</returns>
    public static ImageFolderScan Write(FaceImageSet set, string directory)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        string root = Path.GetFullPath(directory);
        var perClass = new int[set.ClassCount];
        for (int i = 0; i < set.Count; i++)
        {
            int label = set.Labels[i];
            string path = Path.Combine(root, set.ClassNames[label], $"{perClass[label]++:D4}.png");
            CropFile.Write(RgbImage.FromPlanes(set.GetPixels(i), set.ImageSize, set.ImageSize), path);
        }

        return ImageFolder.Scan(root);
    }
}
