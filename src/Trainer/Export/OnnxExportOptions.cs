namespace KappaFace.MLNet.Trainer.Export;

/// <summary>Choices of the exported graph's form that do not change its outputs beyond float rounding.</summary>
public sealed class OnnxExportOptions
{
    /// <summary>
    /// Write each per-channel PReLU as one ONNX <c>PRelu</c> node (slopes <c>[C, 1, 1]</c>) instead of the
    /// default decomposition <c>x + (1 - slope) * Relu(-x)</c> into 1x1 depthwise convolutions, Relu and Add.
    /// Default false: the decomposition ran MobileFaceNet about 2.3-3.1x faster in ONNX Runtime on the CPU,
    /// because its PRelu kernel branches per element and leaves the blocked (NCHWc) layout its
    /// convolutions use, while the decomposed form stays in it (the Relu and the Add fuse into the
    /// convolutions). Set it for runtimes with a fast PRelu or for a more readable graph.
    /// </summary>
    public bool PReluAsOperator { get; set; }
}
