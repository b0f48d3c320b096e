namespace KappaFace.MLNet.Onnx.Quantization;

/// <summary>
/// The values one activation took over the calibration images: their min and max (first pass) and,
/// when asked, a histogram over exactly that range (second pass), from which percentile ranges are read.
/// </summary>
internal sealed class TensorRange
{
    private long[]? _histogram;

    public float Min { get; private set; } = float.PositiveInfinity;

    public float Max { get; private set; } = float.NegativeInfinity;

    public long Count { get; private set; }

    public void AddToMinMax(ReadOnlySpan<float> values)
    {
        float min = Min;
        float max = Max;
        foreach (float v in values)
        {
            if (v < min)
            {
                min = v;
            }

            if (v > max)
            {
                max = v;
            }
        }

        (Min, Max) = (min, max);
        Count += values.Length;
    }

    /// <summary>Starts the second pass: <paramref name="bins"/> equal bins over [Min, Max].</summary>
    public void StartHistogram(int bins) => _histogram = new long[bins];

    public void AddToHistogram(ReadOnlySpan<float> values)
    {
        var histogram = _histogram ?? throw new InvalidOperationException("StartHistogram was not called.");
        double width = Max - Min;
        if (width <= 0)
        {
            histogram[0] += values.Length;
            return;
        }

        double perUnit = histogram.Length / width;
        int last = histogram.Length - 1;
        foreach (float v in values)
        {
            int bin = (int)((v - Min) * perUnit);
            histogram[Math.Clamp(bin, 0, last)]++;
        }
    }

    /// <summary>
    /// The narrowest bin-edge range holding at least <paramref name="percent"/> percent of the histogram's
    /// values, with the excluded share split evenly between the two tails.
    /// </summary>
    public (float Min, float Max) PercentileRange(double percent)
    {
        var histogram = _histogram ?? throw new InvalidOperationException("StartHistogram was not called.");
        long total = histogram.Sum();
        if (total == 0 || Max <= Min)
        {
            return (Min, Max);
        }

        double tail = total * (100 - percent) / 200;
        double width = (Max - (double)Min) / histogram.Length;
        int low = 0;
        long below = 0;
        while (low < histogram.Length - 1 && below + histogram[low] <= tail)
        {
            below += histogram[low++];
        }

        int high = histogram.Length - 1;
        long above = 0;
        while (high > low && above + histogram[high] <= tail)
        {
            above += histogram[high--];
        }

        return ((float)(Min + (low * width)), (float)(Min + ((high + 1) * width)));
    }
}
