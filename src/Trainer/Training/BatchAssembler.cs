using KappaFace.MLNet.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace KappaFace.MLNet.Trainer.Training;

/// <summary>
/// Turns stored 0..255 CHW bytes into the normalised float input of the backbone,
/// (x - 127.5) / 127.5, mirroring images the epoch plan says to flip.
/// </summary>
public static class BatchAssembler
{
    /// <summary>The normalisation shared by training, validation and the ONNX graph's first node.</summary>
    public const float PixelMean = KappaFace.MLNet.Onnx.ModelContract.PixelMean;

    /// <summary>See <see cref="PixelMean"/>.</summary>
    public const float PixelScale = KappaFace.MLNet.Onnx.ModelContract.PixelScale;

    /// <summary>
    /// Fills a float array <c>[B, 3, S, S]</c> for <paramref name="indices"/>: <paramref name="reuse"/> when it has
    /// exactly that length, else a new one.
    /// </summary>
    public static float[] Assemble(FaceImageSet images, ReadOnlySpan<int> indices, Func<int, bool>? isFlipped, float[]? reuse = null)
    {
        ArgumentNullException.ThrowIfNull(images);
        int imageLength = 3 * images.ImageSize * images.ImageSize;
        int length = indices.Length * imageLength;
        var buffer = reuse is not null && reuse.Length == length ? reuse : new float[length];
        for (int b = 0; b < indices.Length; b++)
        {
            int index = indices[b];
            Normalise(images.GetPixels(index), images.ImageSize, isFlipped is not null && isFlipped(index), buffer.AsSpan(b * imageLength, imageLength));
        }
        return buffer;
    }

    /// <summary>
    /// Converts one image's 3 x S x S bytes (CHW) into normalised floats in <paramref name="target"/>, mirrored
    /// left-right when <paramref name="flip"/> is set.
    /// </summary>
    public static void Normalise(ReadOnlySpan<byte> source, int size, bool flip, Span<float> target)
    {
        int imageLength = 3 * size * size;
        if (source.Length != imageLength || target.Length != imageLength)
        {
            throw new ArgumentException($"Expected {imageLength} source bytes and target floats for a {size}x{size} image; got {source.Length} and {target.Length}.");
        }
        if (flip)
        {
            for (int row = 0; row < 3 * size; row++)
            {
                int offset = row * size;
                for (int x = 0; x < size; x++)
                {
                    target[offset + x] = (source[offset + size - 1 - x] - PixelMean) / PixelScale;
                }
            }
        }
        else
        {
            for (int i = 0; i < imageLength; i++)
            {
                target[i] = (source[i] - PixelMean) / PixelScale;
            }
        }
    }

    /// <summary>Wraps an assembled buffer as a tensor on <paramref name="device"/>.</summary>
    public static Tensor ToTensor(float[] buffer, int imageSize, Device device)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        long batch = buffer.Length / (3L * imageSize * imageSize);
        var cpu = torch.tensor(buffer, [batch, 3, imageSize, imageSize]);
        if (device.type == DeviceType.CPU)
        {
            return cpu;
        }
        using (cpu)
        {
            return cpu.to(device);
        }
    }
}
