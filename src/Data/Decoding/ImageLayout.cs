namespace KappaFace.MLNet.Data;

/// <summary>Sizes of the CHW byte layout of <see cref="FaceImageSet.Pixels"/>, in one place.</summary>
internal static class ImageLayout
{
    /// <summary>RGB: three planes.</summary>
    public const int Channels = 3;

    /// <summary>The bytes of one S x S image.</summary>
    public static int BytesPerImage(int imageSize) => checked(Channels * imageSize * imageSize);

    /// <summary>The bytes of <paramref name="count"/> images.</summary>
    public static long TotalBytes(int count, int imageSize) => (long)count * BytesPerImage(imageSize);

    /// <summary>Rejects a non-positive image side.</summary>
    public static void ValidateImageSize(int imageSize) =>
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(imageSize);

    /// <summary>
    /// Allocates the pixel buffer of <paramref name="count"/> images, with a clear error when it cannot
    /// be one array (a .NET array holds at most <see cref="Array.MaxLength"/> bytes).
    /// </summary>
    public static byte[] AllocatePixels(int count, int imageSize)
    {
        long total = TotalBytes(count, imageSize);
        if (total > Array.MaxLength)
        {
            throw new ArgumentException(
                $"{count} images of 3x{imageSize}x{imageSize} need {total} bytes, more than one array can hold ({Array.MaxLength}); "
                + "use a smaller image size or fewer images.");
        }

        return new byte[total];
    }
}
