using KappaFace.MLNet.Onnx.Proto;

namespace KappaFace.MLNet.Onnx.Quantization;

/// <summary>A quantised model and what was done to it.</summary>
/// <param name="Model">The QDQ model, with the float model's card plus the <c>quantization.*</c> keys.</param>
/// <param name="CalibrationImages">Images the activation ranges came from.</param>
/// <param name="QuantizedNodes">Conv, Gemm and Add nodes given integer inputs and outputs.</param>
/// <param name="QuantizedWeights">Weight tensors stored as int8.</param>
/// <param name="QuantizedActivations">Activation tensors with a QuantizeLinear/DequantizeLinear pair.</param>
/// <param name="FoldedRelus">Relu and Clip (ReLU6) nodes absorbed by their convolution's quantisation.</param>
/// <param name="ConvertedBatchNorms">BatchNormalization nodes rewritten as 1x1 depthwise convolutions to run in int8.</param>
/// <param name="FoldedBatchNorms">BatchNormalization nodes folded into the convolution they follow.</param>
/// <param name="MinimumCosine">Smallest cosine between float and int8 embeddings over the checked calibration images.</param>
/// <param name="MeanCosine">Mean of those cosines.</param>
public sealed record Int8QuantizationResult(
    ModelProto Model, int CalibrationImages, int QuantizedNodes, int QuantizedWeights, int QuantizedActivations, int FoldedRelus, int ConvertedBatchNorms,
    int FoldedBatchNorms, double MinimumCosine, double MeanCosine);
