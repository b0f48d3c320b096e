namespace KappaFace.MLNet.Onnx.Quantization;

/// <summary>The integer type activations are quantised to (weights are always int8).</summary>
public enum ActivationType
{
    /// <summary>
    /// uint8 with a zero point (asymmetric). ONNX Runtime's x86 integer kernels multiply unsigned
    /// activations by signed weights (U8S8), which AVX-512 VNNI does in one instruction.
    /// </summary>
    U8,

    /// <summary>int8 with a zero point (asymmetric); S8S8 kernels.</summary>
    S8,
}
