namespace KappaFace.MLNet.Data.Detection;

/// <summary>
/// Separable bicubic resampling of an <see cref="RgbImage"/> (Keys' cubic convolution with a = -0.75, the
/// coefficient of OpenCV's INTER_CUBIC; pixel centres at half-integers, replicated border). When shrinking,
/// the kernel is widened by the shrink factor so every source pixel contributes (no aliasing).
/// </summary>
internal static class ImageScaler
{
    private const double A = -0.75;

    /// <summary>The image resampled to width x height (the same instance when the size is unchanged).</summary>
    public static RgbImage Resize(RgbImage source, int width, int height)
    {
        if (width == source.Width && height == source.Height)
        {
            return source;
        }

        // Horizontal pass into a float buffer of source.Height rows, then the vertical pass.
        var horizontal = new float[checked(3 * width * source.Height)];
        var columns = Weights(source.Width, width);
        for (int y = 0; y < source.Height; y++)
        {
            int rowIn = 3 * y * source.Width;
            int rowOut = 3 * y * width;
            for (int x = 0; x < width; x++)
            {
                var (first, weights) = columns[x];
                float r = 0, g = 0, b = 0;
                for (int t = 0; t < weights.Length; t++)
                {
                    int sx = 3 * Math.Clamp(first + t, 0, source.Width - 1);
                    float w = weights[t];
                    r += w * source.Pixels[rowIn + sx];
                    g += w * source.Pixels[rowIn + sx + 1];
                    b += w * source.Pixels[rowIn + sx + 2];
                }

                horizontal[rowOut + (3 * x)] = r;
                horizontal[rowOut + (3 * x) + 1] = g;
                horizontal[rowOut + (3 * x) + 2] = b;
            }
        }

        var pixels = new byte[checked(3 * width * height)];
        var rows = Weights(source.Height, height);
        for (int y = 0; y < height; y++)
        {
            var (first, weights) = rows[y];
            for (int i = 0; i < 3 * width; i++)
            {
                float v = 0;
                for (int t = 0; t < weights.Length; t++)
                {
                    v += weights[t] * horizontal[(3 * width * Math.Clamp(first + t, 0, source.Height - 1)) + i];
                }

                pixels[(3 * width * y) + i] = (byte)Math.Clamp(MathF.Round(v), 0f, 255f);
            }
        }

        return new RgbImage(width, height, pixels);
    }

    /// <summary>For each output index, the first source index and the normalised kernel weights.</summary>
    private static (int First, float[] Weights)[] Weights(int sourceLength, int targetLength)
    {
        double scale = (double)targetLength / sourceLength;
        double stretch = Math.Max(1.0, 1.0 / scale);
        double support = 2.0 * stretch;
        var result = new (int, float[])[targetLength];
        for (int i = 0; i < targetLength; i++)
        {
            double centre = ((i + 0.5) / scale) - 0.5;
            int first = (int)Math.Floor(centre - support) + 1;
            int last = (int)Math.Floor(centre + support);
            var weights = new float[last - first + 1];
            double sum = 0;
            for (int s = first; s <= last; s++)
            {
                double w = Cubic((s - centre) / stretch);
                weights[s - first] = (float)w;
                sum += w;
            }

            for (int t = 0; t < weights.Length; t++)
            {
                weights[t] = (float)(weights[t] / sum);
            }

            result[i] = (first, weights);
        }

        return result;
    }

    private static double Cubic(double x)
    {
        x = Math.Abs(x);
        return x <= 1 ? ((((A + 2) * x) - (A + 3)) * x * x) + 1
            : x < 2 ? ((((A * x) - (5 * A)) * x) + (8 * A)) * x - (4 * A)
            : 0;
    }
}
