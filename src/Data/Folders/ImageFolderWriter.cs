using SkiaSharp;

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
        int size = set.ImageSize;
        int plane = size * size;
        var perClass = new int[set.ClassCount];
        var info = new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Opaque);
        var rgba = new byte[4 * plane];
        for (int i = 0; i < set.Count; i++)
        {
            int label = set.Labels[i];
            string folder = Directory.CreateDirectory(Path.Combine(root, set.ClassNames[label])).FullName;
            ReadOnlySpan<byte> chw = set.GetPixels(i);
            for (int p = 0; p < plane; p++)
            {
                rgba[4 * p] = chw[p];
                rgba[(4 * p) + 1] = chw[plane + p];
                rgba[(4 * p) + 2] = chw[(2 * plane) + p];
                rgba[(4 * p) + 3] = 255;
            }

            using SKImage image = SKImage.FromPixelCopy(info, rgba);
            using SKData png = image.Encode(SKEncodedImageFormat.Png, 100)
                ?? throw new InvalidOperationException("SkiaSharp could not encode a PNG.");
            string path = Path.Combine(folder, $"{perClass[label]++:D4}.png");
            string temp = path + ".tmp";
            File.WriteAllBytes(temp, png.ToArray());
            File.Move(temp, path, overwrite: true);
        }

        return ImageFolder.Scan(root);
    }
}
