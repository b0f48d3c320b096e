namespace KappaFace.MLNet.Data;

/// <summary>
/// Decodes single image files with exactly the rules of <see cref="FaceImageSet.LoadFolder(string, int, IProgress{int})"/>
/// (RGB, centre crop to a square, high-quality resize, greyscale to three equal planes, transparency over
/// black), for callers that embed individual files rather than a folder.
/// </summary>
public static class FaceImageFile
{
    /// <summary>Decodes <paramref name="path"/> into 3 x S x S bytes: RGB planes (CHW), values 0..255.</summary>
    /// <param name="path">The image file (png, jpg, jpeg, bmp, webp or anything else Skia decodes).</param>
    /// <param name="imageSize">The side S of the square output image.</param>
    /// <returns>The pixels, in the layout of <see cref="FaceImageSet.Pixels"/>.</returns>
    /// <exception cref="FaceDataException">The file cannot be read or is not a complete, decodable image.</exception>
    public static byte[] Decode(string path, int imageSize)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ImageLayout.ValidateImageSize(imageSize);
        var pixels = new byte[ImageLayout.BytesPerImage(imageSize)];
        FaceImageDecoder.DecodeInto(path, imageSize, pixels);
        return pixels;
    }
}
