namespace KappaFace.MLNet.Onnx.Quantization;

/// <summary>Settings of <see cref="Int8Quantizer"/>; copy with <c>with</c>.</summary>
public sealed record Int8QuantizationOptions
{
    /// <summary>How activation ranges are chosen. Default: <see cref="CalibrationMethod.Percentile"/>.</summary>
    public CalibrationMethod Method { get; init; } = CalibrationMethod.Percentile;

    /// <summary>
    /// For <see cref="CalibrationMethod.Percentile"/>: the share of values, in percent, the range must
    /// hold. Default: 99.99.
    /// </summary>
    public double Percentile { get; init; } = 99.99;

    /// <summary>Bins of the percentile histogram over each tensor's min-max range. Default: 2048.</summary>
    public int HistogramBins { get; init; } = 2048;

    /// <summary>The activations' integer type. Default: <see cref="ActivationType.U8"/> (U8S8, fastest on x86).</summary>
    public ActivationType Activations { get; init; } = ActivationType.U8;

    /// <summary>Calibration images per ONNX Runtime run (every quantised activation is kept in memory for them). Default: 4.</summary>
    public int CalibrationBatch { get; init; } = 4;

    /// <summary>ONNX Runtime intra-op threads for calibration; 0 (default) lets ONNX Runtime choose.</summary>
    public int Threads { get; init; }

    /// <summary>The <c>quantization.date</c> written to the model card; null (default) writes today's UTC date.</summary>
    public DateOnly? Date { get; init; }
}
