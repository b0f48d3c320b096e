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

    /// <summary>Decodes an encoded image read from <paramref name="stream"/> (to its end; not disposed) with the same rules.</summary>
    /// <param name="stream">The encoded image.</param>
    /// <param name="imageSize">The side S of the square output image.</param>
    /// <param name="sourceName">Names the image in messages; the file name of a <see cref="FileStream"/>, else <c>&lt;stream&gt;</c>.</param>
    /// <returns>3 x S x S bytes: RGB planes (CHW), values 0..255.</returns>
    /// <exception cref="FaceDataException">The stream cannot be read or does not hold a complete, decodable image.</exception>
    public static byte[] Decode(Stream stream, int imageSize, string? sourceName = null)
    {
        ImageLayout.ValidateImageSize(imageSize);
        string name = NameOf(stream, sourceName);
        var pixels = new byte[ImageLayout.BytesPerImage(imageSize)];
        FaceImageDecoder.DecodeInto(name, ReadToEnd(stream, name), imageSize, pixels);
        return pixels;
    }

    /// <summary>The name a stream goes by in messages.</summary>
    internal static string NameOf(Stream stream, string? sourceName)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return sourceName ?? (stream as FileStream)?.Name ?? "<stream>";
    }

    /// <summary>The rest of <paramref name="stream"/>; read errors become a <see cref="FaceDataException"/> naming it.</summary>
    internal static byte[] ReadToEnd(Stream stream, string name)
    {
        using var buffer = new MemoryStream();
        try
        {
            stream.CopyTo(buffer);
        }
        catch (Exception e) when (e is IOException or NotSupportedException or ObjectDisposedException)
        {
            throw new FaceDataException(name, FaceDataIssueKind.Unreadable, $"cannot be read: {e.Message}", e);
        }

        return buffer.ToArray();
    }
}
