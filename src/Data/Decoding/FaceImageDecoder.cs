using System.Security.Cryptography;
using SkiaSharp;

namespace KappaFace.MLNet.Data;

/// <summary>Decodes one image file into the S x S RGB CHW bytes of <see cref="FaceImageSet"/>, classifying what is wrong with bad files.</summary>
internal static class FaceImageDecoder
{
    /// <summary>The checks <see cref="FaceImageFile"/> applies to a single file: any size, no hash.</summary>
    public static readonly DecodeChecks SingleFile = new(MinimumSide: 1, FaceFolderLoadOptions.DefaultMaximumImagePixels, Hash: false);

    /// <summary>What to check besides decodability.</summary>
    /// <param name="MinimumSide">Smaller images are <see cref="FaceDataIssueKind.TooSmall"/>.</param>
    /// <param name="MaximumPixels">Larger images are <see cref="FaceDataIssueKind.TooLarge"/>.</param>
    /// <param name="Hash">Compute the SHA-256 of the file bytes (for duplicate detection).</param>
    public readonly record struct DecodeChecks(int MinimumSide, long MaximumPixels, bool Hash)
    {
        /// <summary>The checks of folder-load options.</summary>
        public static DecodeChecks From(FaceFolderLoadOptions options) =>
            new(options.MinimumImageSide, options.MaximumImagePixels, options.DetectDuplicates);
    }

    /// <summary>What was learnt about a file that decoded.</summary>
    /// <param name="Conversion">What converting to 8-bit RGB changed (e.g. "greyscale to RGB"), or null.</param>
    /// <param name="Hash">The SHA-256 of the file bytes when asked for, else null.</param>
    public readonly record struct DecodedFile(string? Conversion, byte[]? Hash);

    /// <summary>Decodes one file with the checks of <see cref="SingleFile"/> (see the overload with checks).</summary>
    /// <exception cref="FaceDataException">The file is bad; <see cref="FaceDataException.Kind"/> says how.</exception>
    public static void DecodeInto(string path, int imageSize, Span<byte> destination) =>
        DecodeInto(path, imageSize, destination, SingleFile);

    /// <summary>
    /// Decodes <paramref name="path"/>, converts it to RGB, centre-crops it to a square, scales it to
    /// <paramref name="imageSize"/> and writes the three planes to <paramref name="destination"/>. With an
    /// empty destination the file is fully decoded (so truncation is found) but nothing is kept.
    /// </summary>
    /// <exception cref="FaceDataException">The file is bad; <see cref="FaceDataException.Kind"/> says how.</exception>
    public static DecodedFile DecodeInto(string path, int imageSize, Span<byte> destination, DecodeChecks checks)
    {
        using SKBitmap decoded = DecodeRgba(path, checks, out DecodedFile file, out _);
        if (!destination.IsEmpty)
        {
            WriteSquare(decoded, imageSize, destination);
        }

        return file;
    }

    /// <summary>
    /// As <see cref="DecodeInto(string, int, Span{byte}, DecodeChecks)"/> for encoded bytes held in memory
    /// (a stream's content); <paramref name="name"/> stands for the file in messages.
    /// </summary>
    /// <exception cref="FaceDataException">The bytes are not a complete, decodable image.</exception>
    public static void DecodeInto(string name, byte[] encoded, int imageSize, Span<byte> destination)
    {
        using SKBitmap decoded = DecodeRgba(name, encoded, SingleFile, out _, out _);
        WriteSquare(decoded, imageSize, destination);
    }

    /// <summary>
    /// An already decoded picture, centre-cropped to a square and scaled to <paramref name="imageSize"/> as a
    /// decoded file is, written as RGB planes.
    /// </summary>
    public static void ResizeInto(RgbImage image, int imageSize, Span<byte> destination)
    {
        using SKBitmap rgba = Alignment.CropFile.ToBitmap(image);
        WriteSquare(rgba, imageSize, destination);
    }

    /// <summary>
    /// Decodes <paramref name="path"/> to an RGBA bitmap of its stored pixels (no orientation applied),
    /// with the checks; <paramref name="origin"/> is the EXIF orientation the file asks for.
    /// </summary>
    /// <exception cref="FaceDataException">The file is bad; <see cref="FaceDataException.Kind"/> says how.</exception>
    public static SKBitmap DecodeRgba(string path, DecodeChecks checks, out DecodedFile file, out SKEncodedOrigin origin)
    {
        return DecodeRgba(path, ReadFile(path), checks, out file, out origin);
    }

    /// <summary>As <see cref="DecodeRgba(string, DecodeChecks, out DecodedFile, out SKEncodedOrigin)"/> for bytes already read; <paramref name="path"/> names them in messages.</summary>
    public static SKBitmap DecodeRgba(string path, byte[] encoded, DecodeChecks checks, out DecodedFile file, out SKEncodedOrigin origin)
    {
        if (encoded.Length == 0)
        {
            throw new FaceDataException(path, FaceDataIssueKind.ZeroByte, "is empty (0 bytes)");
        }

        string? format = ImageSignature.FormatOf(encoded);
        SKBitmap decoded = Decode(path, encoded, format, checks, out bool transparent, out bool greyscale, out origin);
        var conversions = ImageSignature.ConversionsOf(format, encoded);
        if (conversions.Count == 0 && greyscale)
        {
            conversions.Add("greyscale to RGB");
        }

        if (transparent)
        {
            conversions.Add("transparent pixels composited over black");
        }

        file = new DecodedFile(
            conversions.Count == 0 ? null : string.Join("; ", conversions),
            checks.Hash ? SHA256.HashData(encoded) : null);
        return decoded;
    }

    private static byte[] ReadFile(string path)
    {
        if (!File.Exists(path))
        {
            // Linux names are bytes; .NET turns bytes that are not UTF-8 into U+FFFD, and the resulting
            // string names no file, so such a file can be listed but never opened.
            throw path.Contains('\uFFFD', StringComparison.Ordinal)
                ? new FaceDataException(path, FaceDataIssueKind.Unreadable, "cannot be opened: its file name is not valid UTF-8 (shown with U+FFFD); rename it")
                : new FaceDataException(path, FaceDataIssueKind.Unreadable, "cannot be read: the file does not exist (removed while loading?)");
        }

        byte[] encoded;
        try
        {
            encoded = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FaceDataException(path, FaceDataIssueKind.Unreadable, $"cannot be read: {e.Message}", e);
        }

        return encoded;
    }

    private static SKBitmap Decode(string path, byte[] encoded, string? format, DecodeChecks checks, out bool transparent, out bool greyscale, out SKEncodedOrigin origin)
    {
        using SKData data = SKData.CreateCopy(encoded);
        using SKCodec? codec = SKCodec.Create(data);
        if (codec is null)
        {
            throw NotDecodable(path, encoded, format);
        }

        SKImageInfo header = codec.Info;
        origin = codec.EncodedOrigin;
        if (header.Width < checks.MinimumSide || header.Height < checks.MinimumSide)
        {
            throw new FaceDataException(path, FaceDataIssueKind.TooSmall,
                $"is {header.Width}x{header.Height} pixels, below the minimum side of {checks.MinimumSide} (too small to hold a usable face; it is not upscaled)");
        }

        if ((long)header.Width * header.Height > checks.MaximumPixels)
        {
            throw new FaceDataException(path, FaceDataIssueKind.TooLarge,
                $"is {header.Width}x{header.Height} pixels, more than the maximum of {checks.MaximumPixels} pixels");
        }

        // Decoding straight to RGBA turns greyscale and palette images into RGB with equal or looked-up
        // channels; premultiplied alpha means transparent pixels end up composited over black. The EXIF
        // orientation is not applied here, as in ML.NET's image loading (SKBitmap.Decode), so training and
        // inference see the same pixels; photos for face detection apply it (PhotoDecoder).
        var info = new SKImageInfo(header.Width, header.Height, SKColorType.Rgba8888, SKAlphaType.Premul);
        var bitmap = new SKBitmap(info);
        if (bitmap.GetPixels() == IntPtr.Zero)
        {
            bitmap.Dispose();
            throw new FaceDataException(path, FaceDataIssueKind.TooLarge, $"is {header.Width}x{header.Height} pixels: no memory to decode it");
        }

        SKCodecResult result = codec.GetPixels(info, bitmap.GetPixels());
        if (result != SKCodecResult.Success)
        {
            bitmap.Dispose();
            throw result switch
            {
                // A truncated file decodes partly: that is corrupt data, not a face.
                SKCodecResult.IncompleteInput => new FaceDataException(path, FaceDataIssueKind.Corrupt,
                    $"is truncated or corrupt: decoding stopped with '{result}' (the {format ?? "image"} data ends early)"),
                SKCodecResult.InvalidConversion or SKCodecResult.Unimplemented => new FaceDataException(path, FaceDataIssueKind.UnsupportedFormat,
                    $"is a {format ?? "image"} variant the decoder cannot convert to RGB ('{result}')"),
                _ => new FaceDataException(path, FaceDataIssueKind.Corrupt, $"is corrupt: decoding stopped with '{result}'"),
            };
        }

        transparent = header.AlphaType != SKAlphaType.Opaque && HasTransparentPixel(bitmap);
        greyscale = header.ColorType == SKColorType.Gray8;
        return bitmap;
    }

    private static FaceDataException NotDecodable(string path, byte[] encoded, string? format)
    {
        string extension = Path.GetExtension(path);
        if (format is null)
        {
            return new FaceDataException(path, FaceDataIssueKind.NotAnImage,
                $"is not a decodable image: {ImageSignature.Describe(encoded)}, not {extension} image data");
        }

        return ImageSignature.IsDecodable(format)
            ? new FaceDataException(path, FaceDataIssueKind.Corrupt, $"is not a decodable image: it starts like {format} but its header is corrupt")
            : new FaceDataException(path, FaceDataIssueKind.UnsupportedFormat,
                $"is not a decodable image: it holds {format} data, which is not supported (use png, jpg, bmp or webp)");
    }

    private static bool HasTransparentPixel(SKBitmap rgba)
    {
        ReadOnlySpan<byte> pixels = rgba.GetPixelSpan();
        int rowBytes = rgba.RowBytes;
        for (int y = 0; y < rgba.Height; y++)
        {
            ReadOnlySpan<byte> row = pixels.Slice(y * rowBytes, rgba.Width * 4);
            for (int x = 3; x < row.Length; x += 4)
            {
                if (row[x] != byte.MaxValue)
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static void WriteSquare(SKBitmap decoded, int imageSize, Span<byte> destination)
    {
        if (decoded.Width == imageSize && decoded.Height == imageSize)
        {
            // Already the right size: copying avoids any resampling, so pixels are exactly as decoded.
            WritePlanes(decoded, destination);
            return;
        }

        using SKBitmap resized = CentreCropResize(decoded, imageSize);
        WritePlanes(resized, destination);
    }

    private static SKBitmap CentreCropResize(SKBitmap source, int imageSize)
    {
        int side = Math.Min(source.Width, source.Height);
        float left = (source.Width - side) / 2f;
        float top = (source.Height - side) / 2f;
        var sourceRect = new SKRect(left, top, left + side, top + side);

        var resized = new SKBitmap(new SKImageInfo(imageSize, imageSize, SKColorType.Rgba8888, SKAlphaType.Premul));
        using var canvas = new SKCanvas(resized);
        using var paint = new SKPaint { FilterQuality = SKFilterQuality.High };
        canvas.Clear(SKColors.Black);
        canvas.DrawBitmap(source, sourceRect, new SKRect(0, 0, imageSize, imageSize), paint);
        canvas.Flush();
        return resized;
    }

    private static void WritePlanes(SKBitmap rgba, Span<byte> destination)
    {
        int width = rgba.Width;
        int height = rgba.Height;
        int plane = width * height;
        int rowBytes = rgba.RowBytes;
        ReadOnlySpan<byte> pixels = rgba.GetPixelSpan();
        Span<byte> red = destination[..plane];
        Span<byte> green = destination.Slice(plane, plane);
        Span<byte> blue = destination.Slice(2 * plane, plane);
        for (int y = 0; y < height; y++)
        {
            ReadOnlySpan<byte> row = pixels.Slice(y * rowBytes, width * 4);
            int offset = y * width;
            for (int x = 0; x < width; x++)
            {
                red[offset + x] = row[4 * x];
                green[offset + x] = row[(4 * x) + 1];
                blue[offset + x] = row[(4 * x) + 2];
            }
        }
    }
}
