using SkiaSharp;

namespace KappaFace.MLNet.Tests.Shared;

/// <summary>A fresh folder under the system temp path, deleted on dispose, with image-writing helpers.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "kappaface-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    /// <summary>Creates a subfolder and returns its full path.</summary>
    public string Folder(string relative)
    {
        string path = System.IO.Path.Combine(Path, relative);
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>Writes raw bytes to a file (folders created as needed) and returns its full path.</summary>
    public string Bytes(string relative, byte[] content)
    {
        string path = System.IO.Path.Combine(Path, relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, content);
        return path;
    }

    /// <summary>Encodes an image whose pixel (x, y) is <paramref name="colour"/>(x, y).</summary>
    public string Image(string relative, int width, int height, Func<int, int, SKColor> colour, SKEncodedImageFormat format = SKEncodedImageFormat.Png) =>
        Bytes(relative, Encode(width, height, colour, format));

    public static byte[] Encode(int width, int height, Func<int, int, SKColor> colour, SKEncodedImageFormat format)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                bitmap.SetPixel(x, y, colour(x, y));
            }
        }

        using SKData data = bitmap.Encode(format, 95) ?? throw new InvalidOperationException($"SkiaSharp cannot encode {format}.");
        return data.ToArray();
    }

    /// <summary>A 24-bit uncompressed BMP (Skia decodes BMP but cannot encode it).</summary>
    public static byte[] Bmp(int width, int height, Func<int, int, SKColor> colour)
    {
        int rowBytes = ((width * 3) + 3) & ~3;
        int imageBytes = rowBytes * height;
        using var stream = new MemoryStream();
        using var writer = new BinaryWriter(stream);
        writer.Write((byte)'B');
        writer.Write((byte)'M');
        writer.Write(54 + imageBytes); // file size
        writer.Write(0); // reserved
        writer.Write(54); // pixel data offset
        writer.Write(40); // BITMAPINFOHEADER size
        writer.Write(width);
        writer.Write(height); // positive: rows stored bottom-up
        writer.Write((short)1); // planes
        writer.Write((short)24); // bits per pixel
        writer.Write(0); // no compression
        writer.Write(imageBytes);
        writer.Write(2835); // 72 dpi
        writer.Write(2835);
        writer.Write(0);
        writer.Write(0);
        for (int y = height - 1; y >= 0; y--)
        {
            for (int x = 0; x < width; x++)
            {
                SKColor c = colour(x, y);
                writer.Write(c.Blue);
                writer.Write(c.Green);
                writer.Write(c.Red);
            }

            for (int pad = width * 3; pad < rowBytes; pad++)
            {
                writer.Write((byte)0);
            }
        }

        writer.Flush();
        return stream.ToArray();
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temp folder must not fail a test.
        }
    }
}
