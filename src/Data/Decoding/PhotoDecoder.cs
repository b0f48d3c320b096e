using SkiaSharp;

namespace KappaFace.MLNet.Data;

/// <summary>
/// Decodes photos for face detection: the bad-file checks of the folder loader, conversion of greyscale,
/// palette, CMYK and 16-bit images to 8-bit RGB (transparency over black), and the EXIF orientation
/// applied, so a portrait shot stored sideways is upright before the detector sees it (face detectors
/// are trained on upright faces). Face crops for training keep ML.NET's convention of ignoring the
/// orientation (<see cref="FaceImageFile"/>); an aligner's output is written without orientation tags,
/// so both conventions agree on aligned crops.
/// </summary>
public static class PhotoDecoder
{
    /// <summary>Decodes <paramref name="path"/> at full resolution.</summary>
    /// <param name="path">The image file.</param>
    /// <param name="maximumPixels">
    /// Larger images are refused as <see cref="FaceDataIssueKind.TooLarge"/> before any pixel is decoded,
    /// which bounds memory at about 7 bytes per allowed pixel. Default
    /// <see cref="FaceFolderLoadOptions.DefaultMaximumImagePixels"/>.
    /// </param>
    /// <returns>The upright RGB image and what conversion, if any, decoding applied.</returns>
    /// <exception cref="FaceDataException">The file is unreadable, empty, corrupt, not an image, unsupported or too large.</exception>
    public static DecodedPhoto Decode(string path, long maximumPixels = FaceFolderLoadOptions.DefaultMaximumImagePixels)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maximumPixels);
        var checks = new FaceImageDecoder.DecodeChecks(MinimumSide: 1, maximumPixels, Hash: false);
        using SKBitmap rgba = FaceImageDecoder.DecodeRgba(path, checks, out var file, out SKEncodedOrigin origin);
        return Upright(rgba, file, origin);
    }

    /// <summary>As <see cref="Decode(string, long)"/> for encoded bytes in memory (a stream's content); <paramref name="name"/> names them in messages.</summary>
    /// <exception cref="FaceDataException">The bytes are empty, corrupt, not an image, unsupported or too large.</exception>
    public static DecodedPhoto Decode(string name, byte[] encoded, long maximumPixels = FaceFolderLoadOptions.DefaultMaximumImagePixels)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(encoded);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maximumPixels);

        var checks = new FaceImageDecoder.DecodeChecks(MinimumSide: 1, maximumPixels, Hash: false);
        using SKBitmap rgba = FaceImageDecoder.DecodeRgba(name, encoded, checks, out var file, out SKEncodedOrigin origin);
        return Upright(rgba, file, origin);
    }

    private static DecodedPhoto Upright(SKBitmap rgba, FaceImageDecoder.DecodedFile file, SKEncodedOrigin origin)
    {
        var image = Orient(rgba, origin);
        string? conversion = origin is SKEncodedOrigin.TopLeft
            ? file.Conversion
            : string.Join("; ", new[] { file.Conversion, $"EXIF orientation {(int)origin} applied" }.Where(c => c is not null));
        return new DecodedPhoto(image, conversion);
    }

    /// <summary>
    /// Copies the RGB channels of an RGBA bitmap into an upright image, reading each output pixel from the
    /// stored pixel the EXIF orientation (TIFF 6.0 tag 274, values 1..8) puts there: one pass, no second buffer.
    /// </summary>
    internal static RgbImage Orient(SKBitmap rgba, SKEncodedOrigin origin)
    {
        int w = rgba.Width;
        int h = rgba.Height;
        bool swapped = (int)origin >= 5;
        int outWidth = swapped ? h : w;
        int outHeight = swapped ? w : h;
        var pixels = new byte[checked(3 * outWidth * outHeight)];
        ReadOnlySpan<byte> source = rgba.GetPixelSpan();
        int rowBytes = rgba.RowBytes;
        for (int y = 0; y < outHeight; y++)
        {
            for (int x = 0; x < outWidth; x++)
            {
                (int sx, int sy) = origin switch
                {
                    SKEncodedOrigin.TopRight => (w - 1 - x, y),
                    SKEncodedOrigin.BottomRight => (w - 1 - x, h - 1 - y),
                    SKEncodedOrigin.BottomLeft => (x, h - 1 - y),
                    SKEncodedOrigin.LeftTop => (y, x),
                    SKEncodedOrigin.RightTop => (y, h - 1 - x),
                    SKEncodedOrigin.RightBottom => (w - 1 - y, h - 1 - x),
                    SKEncodedOrigin.LeftBottom => (w - 1 - y, x),
                    _ => (x, y),
                };
                int from = (sy * rowBytes) + (4 * sx);
                int to = 3 * ((y * outWidth) + x);
                pixels[to] = source[from];
                pixels[to + 1] = source[from + 1];
                pixels[to + 2] = source[from + 2];
            }
        }

        return new RgbImage(outWidth, outHeight, pixels);
    }
}

/// <summary>A decoded photo.</summary>
/// <param name="Image">The upright RGB pixels.</param>
/// <param name="Conversion">What decoding changed (e.g. "CMYK to RGB; EXIF orientation 6 applied"), or null.</param>
public sealed record DecodedPhoto(RgbImage Image, string? Conversion);
