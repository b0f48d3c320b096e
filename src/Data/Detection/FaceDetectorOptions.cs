using KappaFace.MLNet.Onnx;

namespace KappaFace.MLNet.Data.Detection;

/// <summary>Options of a <see cref="FaceDetector"/>: session options, thresholds and the detection scale.</summary>
public sealed class FaceDetectorOptions : OnnxSessionOptions
{
    /// <summary>Faces scoring below this are not reported. Default 0.5 (use about 0.02 to measure recall).</summary>
    public float MinScore { get; set; } = 0.5f;

    /// <summary>Non-maximum suppression: a face overlapping a better one by more than this IoU is dropped. Default 0.4.</summary>
    public float NmsThreshold { get; set; } = 0.4f;

    /// <summary>
    /// Images whose longer side is shorter than this are upscaled (bicubic) until it is this long, since the
    /// smallest anchors are 16 pixels and faces filling a tight crop sit between anchor scales. Default 224:
    /// a 112-pixel crop is detected at 2x.
    /// </summary>
    public int MinimumDetectionSide { get; set; } = 224;

    /// <summary>
    /// Images whose longer side is longer than this are downscaled (bicubic, antialiased) to it, which bounds
    /// the detector's time and memory. The aligner still samples the original pixels. Default 640.
    /// </summary>
    public int MaximumDetectionSide { get; set; } = 640;

    /// <summary>Largest batch of equally sized images sent to ONNX Runtime in one run. Default 8.</summary>
    public int MaxBatch { get; set; } = 8;

    /// <summary>Throws when an option is out of range.</summary>
    internal void Validate()
    {
        if (!(MinScore is >= 0f and <= 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(MinScore), MinScore, "MinScore must be in 0..1.");
        }

        if (!(NmsThreshold is > 0f and <= 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(NmsThreshold), NmsThreshold, "NmsThreshold must be in (0, 1].");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(MinimumDetectionSide, 32, nameof(MinimumDetectionSide));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaximumDetectionSide, MinimumDetectionSide, nameof(MaximumDetectionSide));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxBatch, nameof(MaxBatch));
    }
}
