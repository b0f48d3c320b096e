namespace KappaFace.MLNet.Onnx.Quantization;

/// <summary>
/// The linear quantisation maps of ONNX QuantizeLinear / DequantizeLinear: <c>q = saturate(round(x / scale) + zeroPoint)</c>,
/// <c>x = (q - zeroPoint) * scale</c>, rounding half to even.
/// </summary>
public static class QuantizationParameters
{
    /// <summary>
    /// Scale and zero point mapping [<paramref name="min"/>, <paramref name="max"/>] (widened to hold 0, so
    /// zero padding is exact) onto the whole range of <paramref name="type"/>.
    /// </summary>
    /// <param name="min">Smallest value to represent.</param>
    /// <param name="max">Largest value to represent.</param>
    /// <param name="type">The integer type.</param>
    /// <returns>The scale (positive) and the zero point.</returns>
    public static (float Scale, int ZeroPoint) Affine(float min, float max, ActivationType type)
    {
        if (!float.IsFinite(min) || !float.IsFinite(max) || min > max)
        {
            throw new ArgumentException($"The range [{min}, {max}] is not a finite interval.", nameof(min));
        }

        (int qmin, int qmax) = Limits(type);
        double low = Math.Min(min, 0);
        double high = Math.Max(max, 0);
        if (high - low <= 0)
        {
            return (1f, 0);
        }

        double scale = (high - low) / (qmax - qmin);
        int zeroPoint = (int)Math.Clamp(Math.Round(qmin - (low / scale), MidpointRounding.ToEven), qmin, qmax);
        return ((float)scale, zeroPoint);
    }

    /// <summary>The representable integers of <paramref name="type"/>.</summary>
    /// <param name="type">The integer type.</param>
    /// <returns>Its smallest and largest value.</returns>
    public static (int Min, int Max) Limits(ActivationType type) => type == ActivationType.U8 ? (0, 255) : (-128, 127);

    /// <summary>
    /// Symmetric int8 weights per output channel: channel c gets <c>scale = max|w| / 127</c> and zero
    /// point 0, and values in [-127, 127] (never -128, so negation cannot overflow).
    /// </summary>
    /// <param name="weights">The float weights in row-major order.</param>
    /// <param name="channels">Size of the channel axis.</param>
    /// <param name="inner">Elements after the channel axis (product of the trailing dimensions).</param>
    /// <returns>The quantised weights (same order) and one scale per channel.</returns>
    public static (sbyte[] Values, float[] Scales) SymmetricPerChannel(ReadOnlySpan<float> weights, int channels, int inner)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inner);
        if (weights.Length % (channels * inner) != 0)
        {
            throw new ArgumentException($"{weights.Length} weights do not split into {channels} channels of {inner}.", nameof(weights));
        }

        var amax = new float[channels];
        for (int i = 0; i < weights.Length; i++)
        {
            int c = i / inner % channels;
            amax[c] = Math.Max(amax[c], Math.Abs(weights[i]));
        }

        var scales = amax.Select(a => a > 0 ? a / 127f : 1f).ToArray();
        var values = new sbyte[weights.Length];
        for (int i = 0; i < weights.Length; i++)
        {
            values[i] = (sbyte)Math.Clamp(Math.Round(weights[i] / scales[i / inner % channels], MidpointRounding.ToEven), -127, 127);
        }

        return (values, scales);
    }

    /// <summary>
    /// A bias as int32 in the accumulator's units: channel c uses <c>inputScale * weightScales[c]</c>,
    /// the scale the integer convolution's sums carry, and zero point 0.
    /// </summary>
    /// <param name="bias">One value per output channel.</param>
    /// <param name="inputScale">The input activation's scale.</param>
    /// <param name="weightScales">The weight scale of each output channel.</param>
    /// <returns>The int32 bias and its per-channel scales.</returns>
    public static (int[] Values, float[] Scales) Bias(ReadOnlySpan<float> bias, float inputScale, ReadOnlySpan<float> weightScales)
    {
        if (bias.Length != weightScales.Length)
        {
            throw new ArgumentException($"{bias.Length} biases for {weightScales.Length} channels.", nameof(bias));
        }

        var scales = new float[bias.Length];
        var values = new int[bias.Length];
        for (int c = 0; c < bias.Length; c++)
        {
            scales[c] = inputScale * weightScales[c];
            values[c] = (int)Math.Clamp(Math.Round(bias[c] / (double)scales[c], MidpointRounding.ToEven), int.MinValue, int.MaxValue);
        }

        return (values, scales);
    }
}
