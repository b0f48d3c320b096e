namespace KappaFace.MLNet.Onnx.Quantization;

/// <summary>How an activation's quantisation range is chosen from the calibration images.</summary>
public enum CalibrationMethod
{
    /// <summary>The smallest and largest value seen: nothing saturates, but one outlier widens every step.</summary>
    MinMax,

    /// <summary>
    /// The range holding <see cref="Int8QuantizationOptions.Percentile"/> percent of the values seen (the
    /// rest split evenly between both tails saturate), from a histogram over the min-max range.
    /// </summary>
    Percentile,
}
