using SkiaSharp;

namespace KappaFace.MLNet.Transforms.Data;

/// <summary>Decodes one image file into the S x S RGB CHW bytes of <see cref="FaceImageSet"/>.</summary>
internal static class FaceImageDecoder
{
    /// <summary>
    /// Decodes <paramref name="path"/>, converts it to RGB, centre-crops it to a square, scales it to
    /// <paramref name="imageSize"/> and writes the three planes to <paramref name="destination"/>.
    /// </summary>
    /// <exception cref="FaceDataException">The file cannot be read or is not a complete, decodable image.</exception>
    public static void DecodeInto(string path, int imageSize, Span<byte> destination)
    {
        using SKBitmap decoded = Decode(path);
        if (decoded.Width == imageSize && decoded.Height == imageSize)
        {
            // Already the right size: copying avoids any resampling, so pixels are exactly as decoded.
            WritePlanes(decoded, destination);
            return;
        }

        using SKBitmap resized = CentreCropResize(decoded, imageSize);
        WritePlanes(resized, destination);
    }

    private static SKBitmap Decode(string path)
    {
        byte[] encoded;
        try
        {
            encoded = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FaceDataException(path, $"cannot be read: {e.Message}", e);
        }

        using SKData data = SKData.CreateCopy(encoded);
        using SKCodec? codec = SKCodec.Create(data);
        if (codec is null)
        {
            throw new FaceDataException(path, "is not a decodable image (unknown format or corrupt header)");
        }

        // Decoding straight to RGBA turns greyscale and palette images into RGB with equal or looked-up
        // channels; premultiplied alpha means transparent pixels end up composited over black. The EXIF
        // orientation is not applied, as in ML.NET's image loading (SKBitmap.Decode), so training and
        // inference see the same pixels.
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Premul);
        var bitmap = new SKBitmap(info);
        SKCodecResult result = codec.GetPixels(info, bitmap.GetPixels());
        if (result != SKCodecResult.Success)
        {
            bitmap.Dispose();
            // A truncated file decodes partly (IncompleteInput): that is corrupt data, not a face.
            throw new FaceDataException(path, $"is corrupt: decoding stopped with '{result}'");
        }

        return bitmap;
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
