using KappaFace.MLNet.Onnx.Quantization;

namespace KappaFace.MLNet.Onnx.Tests.Quantization;

/// <summary>Known answers for the quantisation maps (ONNX QuantizeLinear: round half to even, saturate).</summary>
public class QuantizationParametersTests
{
    [Theory]
    [InlineData(0f, 2.55f, ActivationType.U8, 0.01f, 0)]        // Relu-like range: zero point at the bottom.
    [InlineData(-1f, 1f, ActivationType.U8, 2f / 255, 128)]     // 127.5 rounds to even 128.
    [InlineData(-1f, 1f, ActivationType.S8, 2f / 255, 0)]       // -128 + 127.5 = -0.5 rounds to 0.
    [InlineData(1f, 2f, ActivationType.U8, 2f / 255, 0)]        // Widened to hold 0 (exact zero padding).
    [InlineData(-3f, -1f, ActivationType.U8, 3f / 255, 255)]
    [InlineData(0f, 0f, ActivationType.U8, 1f, 0)]             // An all-zero tensor still gets a valid scale.
    public void Affine_maps_the_range_onto_the_type(float min, float max, ActivationType type, float scale, int zeroPoint)
    {
        var (s, z) = QuantizationParameters.Affine(min, max, type);
        Assert.Equal(scale, s, 6);
        Assert.Equal(zeroPoint, z);
        // Zero is exactly representable.
        Assert.Equal(0f, (Math.Round(0 / s, MidpointRounding.ToEven) + z - z) * s);
    }

    [Fact]
    public void Affine_rejects_reversed_or_infinite_ranges()
    {
        Assert.Throws<ArgumentException>(() => QuantizationParameters.Affine(2, 1, ActivationType.U8));
        Assert.Throws<ArgumentException>(() => QuantizationParameters.Affine(0, float.PositiveInfinity, ActivationType.U8));
    }

    [Fact]
    public void Weights_are_symmetric_per_output_channel()
    {
        // Two output channels of two values each: [[1, -0.5], [0.2, 0.1]].
        var (values, scales) = QuantizationParameters.SymmetricPerChannel([1f, -0.5f, 0.2f, 0.1f], channels: 2, inner: 2);
        Assert.Equal([1f / 127, 0.2f / 127], scales);
        Assert.Equal(new sbyte[] { 127, -64, 127, 64 }, values);   // -63.5 and 63.5 round to even.
    }

    [Fact]
    public void Weights_per_channel_on_a_middle_axis_and_an_all_zero_channel()
    {
        // Gemm with transB = 0: [K = 2, N = 3], channels on axis 1 (inner 1). Column 2 is all zero.
        var (values, scales) = QuantizationParameters.SymmetricPerChannel([2f, 0.5f, 0f, -4f, 0.25f, 0f], channels: 3, inner: 1);
        Assert.Equal([4f / 127, 0.5f / 127, 1f], scales);
        Assert.Equal(new sbyte[] { 64, 127, 0, -127, 64, 0 }, values);   // 63.5 -> 64.
    }

    [Fact]
    public void Bias_is_int32_in_accumulator_units()
    {
        var (values, scales) = QuantizationParameters.Bias([0.5f, -0.25f], inputScale: 0.1f, weightScales: [0.01f, 0.05f]);
        Assert.Equal(0.001f, scales[0], 7);
        Assert.Equal(0.005f, scales[1], 7);
        Assert.Equal([500, -50], values);
    }
}
