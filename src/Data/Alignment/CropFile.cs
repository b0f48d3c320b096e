using System.Buffers.Binary;
using System.Runtime.InteropServices;
using KappaFace.MLNet.Onnx;
using SkiaSharp;

namespace KappaFace.MLNet.Data.Alignment;

/// <summary>
/// Writes an <see cref="RgbImage"/> in the format its extension names (jpg/jpeg quality 95, png, webp
/// quality 95, bmp 24-bit), atomically: a temporary file in the target folder is flushed, then renamed over
/// the target, so an interrupted run never leaves a half-written image.
/// </summary>
public static class CropFile
{
    /// <summary>JPEG and WebP quality of written crops.</summary>
    public const int Quality = 95;

    /// <summary>Encodes and writes the image to <paramref name="path"/> (its folder is created).</summary>
    /// <exception cref="ArgumentException">The extension is not png, jpg, jpeg, bmp or webp.</exception>
    public static void Write(RgbImage image, string path)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentException.ThrowIfNullOrEmpty(path);
        AtomicFile.Write(path, Encode(image, Path.GetExtension(path)));
    }

    /// <summary>The encoded bytes for a file extension (with the dot, any case).</summary>
    public static byte[] Encode(RgbImage image, string extension)
    {
        ArgumentNullException.ThrowIfNull(image);
        string ext = extension.ToLowerInvariant();
        if (ext == ".bmp")
        {
            // Skia has no BMP encoder.
            return Bmp(image);
        }

        var format = ext switch
        {
            ".jpg" or ".jpeg" => SKEncodedImageFormat.Jpeg,
            ".png" => SKEncodedImageFormat.Png,
            ".webp" => SKEncodedImageFormat.Webp,
            _ => throw new ArgumentException($"Cannot write '{extension}' images (png, jpg, jpeg, bmp, webp).", nameof(extension)),
        };
        using var bitmap = ToBitmap(image);
        using SKData data = bitmap.Encode(format, Quality);
        return data.ToArray();
    }

    /// <summary>An opaque RGBA bitmap holding the image.</summary>
    internal static SKBitmap ToBitmap(RgbImage image)
    {
        var bitmap = new SKBitmap(new SKImageInfo(image.Width, image.Height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        int rowBytes = bitmap.RowBytes;
        var rgba = new byte[rowBytes * image.Height];
        for (int y = 0; y < image.Height; y++)
        {
            for (int x = 0; x < image.Width; x++)
            {
                int from = 3 * ((y * image.Width) + x);
                int to = (y * rowBytes) + (4 * x);
                rgba[to] = image.Pixels[from];
                rgba[to + 1] = image.Pixels[from + 1];
                rgba[to + 2] = image.Pixels[from + 2];
                rgba[to + 3] = 255;
            }
        }

        Marshal.Copy(rgba, 0, bitmap.GetPixels(), rgba.Length);
        return bitmap;
    }

    private static byte[] Bmp(RgbImage image)
    {
        int rowBytes = ((3 * image.Width) + 3) & ~3;
        int size = 54 + (rowBytes * image.Height);
        var bytes = new byte[size];
        bytes[0] = (byte)'B';
        bytes[1] = (byte)'M';
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(2), size);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(10), 54);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(14), 40);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(18), image.Width);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(22), -image.Height); // top-down rows
        BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(26), 1);
        BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(28), 24);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(34), rowBytes * image.Height);
        for (int y = 0; y < image.Height; y++)
        {
            for (int x = 0; x < image.Width; x++)
            {
                int from = 3 * ((y * image.Width) + x);
                int to = 54 + (y * rowBytes) + (3 * x);
                bytes[to] = image.Pixels[from + 2];
                bytes[to + 1] = image.Pixels[from + 1];
                bytes[to + 2] = image.Pixels[from];
            }
        }

        return bytes;
    }
}
