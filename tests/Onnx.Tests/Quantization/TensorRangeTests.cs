using KappaFace.MLNet.Onnx.Quantization;

namespace KappaFace.MLNet.Onnx.Tests.Quantization;

public class TensorRangeTests
{
    [Fact]
    public void Percentile_range_drops_rare_outliers_and_min_max_keeps_them()
    {
        // 10,000 values spread over [0, 10) and one outlier at 1000: a 99.9% range ends near 10.
        float[] values = [.. Enumerable.Range(0, 10_000).Select(i => i / 1000f), 1000f];
        var range = new TensorRange();
        range.AddToMinMax(values.AsSpan(0, 5000));
        range.AddToMinMax(values.AsSpan(5000));
        Assert.Equal(0f, range.Min);
        Assert.Equal(1000f, range.Max);

        range.StartHistogram(100_000);   // Bins 0.01 wide.
        range.AddToHistogram(values);
        var (low, high) = range.PercentileRange(99.9);
        // Each tail may drop 5 values (0.05% of 10,001): the range is [0.00, 9.995] up to one bin.
        Assert.InRange(low, 0f, 0.011f);
        Assert.InRange(high, 9.98f, 10.01f);
        Assert.Equal((0f, 1000f), range.PercentileRange(100));
    }
}
