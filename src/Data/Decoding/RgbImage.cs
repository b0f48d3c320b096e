namespace KappaFace.MLNet.Data;

/// <summary>
/// A decoded picture as 8-bit RGB, interleaved row by row (HWC: <c>Pixels[3 * (y * Width + x) + c]</c>,
/// c = 0, 1, 2 for red, green, blue). The form photos take for face detection and alignment.
/// </summary>
public sealed class RgbImage
{
    /// <summary>Wraps pixels (not copied).</summary>
    /// <param name="width">Width in pixels (positive).</param>
    /// <param name="height">Height in pixels (positive).</param>
    /// <param name="pixels">3 x width x height bytes, RGB interleaved.</param>
    public RgbImage(int width, int height, byte[] pixels)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentNullException.ThrowIfNull(pixels);
        if (pixels.LongLength != 3L * width * height)
        {
            throw new ArgumentException($"A {width}x{height} RGB image has {3L * width * height} bytes; got {pixels.LongLength}.", nameof(pixels));
        }

        Width = width;
        Height = height;
        Pixels = pixels;
    }

    /// <summary>Width in pixels.</summary>
    public int Width { get; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; }

    /// <summary>The pixels: RGB interleaved, row after row.</summary>
#pragma warning disable CA1819 // The buffer is the image; copying it on every access would defeat its purpose.
    public byte[] Pixels { get; }
#pragma warning restore CA1819

    /// <summary>A new black image.</summary>
    public static RgbImage Black(int width, int height) => new(width, height, new byte[checked(3 * width * height)]);

    /// <summary>The image held by RGB planes (CHW, one byte per value), as a <see cref="FaceImageSet"/> stores its images.</summary>
    /// <param name="planes">3 x <paramref name="width"/> x <paramref name="height"/> values.</param>
    /// <param name="width">Width in pixels.</param>
    /// <param name="height">Height in pixels.</param>
    public static RgbImage FromPlanes(ReadOnlySpan<byte> planes, int width, int height)
    {
        int plane = checked(width * height);
        if (planes.Length != 3 * plane)
        {
            throw new ArgumentException($"Expected 3 x {width} x {height} = {3 * plane} values, got {planes.Length}.", nameof(planes));
        }

        var pixels = new byte[3 * plane];
        for (int i = 0; i < plane; i++)
        {
            pixels[3 * i] = planes[i];
            pixels[(3 * i) + 1] = planes[plane + i];
            pixels[(3 * i) + 2] = planes[(2 * plane) + i];
        }

        return new RgbImage(width, height, pixels);
    }

    /// <summary>The image as RGB planes (CHW), values 0..255, as an embedding model's input takes them.</summary>
    /// <param name="destination">3 x Width x Height values.</param>
    public void WritePlanes(Span<float> destination)
    {
        int plane = Width * Height;
        if (destination.Length != 3 * plane)
        {
            throw new ArgumentException($"Expected 3 x {Width} x {Height} = {3 * plane} values, got {destination.Length}.", nameof(destination));
        }

        for (int i = 0; i < plane; i++)
        {
            destination[i] = Pixels[3 * i];
            destination[plane + i] = Pixels[(3 * i) + 1];
            destination[(2 * plane) + i] = Pixels[(3 * i) + 2];
        }
    }
}
