using KappaFace.MLNet.Tests.Shared;
using KappaFace.MLNet.Data;
using SkiaSharp;

namespace KappaFace.MLNet.Trainer.Tests.Data;

/// <summary>Writes an in-memory image set to disk as an image folder, so streaming can be compared with loading.</summary>
internal static class ImageFolderFixture
{
    /// <summary>
    /// Writes every image of <paramref name="set"/> as <c>&lt;class&gt;/&lt;nnn&gt;.jpg</c> under <paramref name="folder"/>
    /// and returns the data folder. JPEG, so decoding does real work; both paths decode the same files.
    /// </summary>
    public static string Write(TempFolder folder, FaceImageSet set)
    {
        int size = set.ImageSize;
        int plane = size * size;
        for (int i = 0; i < set.Count; i++)
        {
            byte[] pixels = set.GetPixels(i).ToArray();
            string name = $"data/{set.ClassNames[set.Labels[i]]}/{i:D4}.jpg";
            folder.Image(name, size, size,
                (x, y) => new SKColor(pixels[y * size + x], pixels[plane + y * size + x], pixels[2 * plane + y * size + x]),
                SKEncodedImageFormat.Jpeg);
        }
        return Path.Combine(folder.Path, "data");
    }
}
