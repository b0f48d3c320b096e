using System.Globalization;
using Google.Protobuf;
using KappaFace.MLNet.Onnx.Proto;

namespace KappaFace.MLNet.Onnx.Quantization;

/// <summary>
/// Static int8 quantisation of an embedding model into ONNX QDQ form: activation ranges calibrated on
/// images, symmetric per-channel int8 weights for Conv and Gemm, uint8 (or int8) activations. The
/// input normalisation and the final L2 normalisation stay float, so the input/output contract and
/// the model card carry over; the card gains the <c>quantization.*</c> keys. docs/onnx-model.md
/// describes the graph ONNX Runtime turns into integer kernels.
/// </summary>
public static class Int8Quantizer
{
    /// <summary>Images whose float and int8 embeddings are compared after quantising.</summary>
    private const int AgreementImages = 16;

    /// <summary>Quantises a model file.</summary>
    /// <param name="modelPath">The float32 model (embedding contract, opset 13 or later).</param>
    /// <param name="calibrationImages">Images as 3 x S x S floats (RGB planes, 0..255), S the model's input size.</param>
    /// <param name="options">Settings; defaults when null.</param>
    /// <param name="progress">Receives the number of calibration images run so far (over all passes).</param>
    /// <param name="cancellationToken">Stops between calibration batches.</param>
    /// <returns>The quantised model and its facts.</returns>
    /// <exception cref="OnnxModelException">The model is unreadable, breaks the contract, is already quantised or has an opset below 13.</exception>
    /// <exception cref="ArgumentException">No calibration images, or one of the wrong size.</exception>
    public static Int8QuantizationResult Quantize(
        string modelPath, IReadOnlyList<float[]> calibrationImages, Int8QuantizationOptions? options = null,
        IProgress<int>? progress = null, CancellationToken cancellationToken = default) =>
        Quantize(OnnxModelFile.Load(modelPath), calibrationImages, options, modelPath, progress, cancellationToken);

    /// <summary>Quantises a parsed model.</summary>
    /// <param name="model">The float32 model (not modified).</param>
    /// <param name="calibrationImages">Images as 3 x S x S floats (RGB planes, 0..255).</param>
    /// <param name="options">Settings; defaults when null.</param>
    /// <param name="sourceName">A name for messages.</param>
    /// <param name="progress">Receives the number of calibration images run so far (over all passes).</param>
    /// <param name="cancellationToken">Stops between calibration batches.</param>
    /// <returns>The quantised model and its facts.</returns>
    public static Int8QuantizationResult Quantize(
        ModelProto model, IReadOnlyList<float[]> calibrationImages, Int8QuantizationOptions? options = null, string? sourceName = null,
        IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(calibrationImages);
        options ??= new Int8QuantizationOptions();
        Validate(options);
        string source = sourceName ?? "<model>";
        CheckQuantizable(model, source);
        byte[] floatBytes = model.ToByteArray();
        using var floatEmbedder = FaceEmbedder.Open(floatBytes, CpuOptions(options), source);
        CheckImages(calibrationImages, floatEmbedder.InputSize);

        var (prepared, foldedNorms, convertedNorms) = BatchNormToConv.Apply(model);
        var plan = QuantizationPlan.Create(prepared.Graph);
        if (plan.QuantizedNodes.Count == 0)
        {
            throw new OnnxModelException(source, "it has no Conv or Gemm with constant weights to quantise");
        }

        var activations = new ActivationCalibrator(prepared, plan.Activations, options, source)
            .Calibrate(calibrationImages, floatEmbedder.InputSize, progress, cancellationToken);
        var rewriter = new QdqGraphRewriter(prepared.Graph, plan, activations, options.Activations);
        var quantized = prepared.Clone();
        quantized.Graph = rewriter.Rewrite();
        Card(floatEmbedder.ModelCard, options, calibrationImages.Count).WriteTo(quantized);

        var (minimum, mean) = Agreement(floatEmbedder, quantized, calibrationImages, options, source);
        return new Int8QuantizationResult(
            quantized, calibrationImages.Count, plan.QuantizedNodes.Count, rewriter.QuantizedWeights, plan.Activations.Count,
            plan.FoldedRelus.Count, convertedNorms, foldedNorms, minimum, mean);
    }

    /// <summary>The card of the quantised model: the float card plus scheme, method, image count and date.</summary>
    private static ModelCard Card(ModelCard card, Int8QuantizationOptions options, int images)
    {
        var properties = new Dictionary<string, string>(card.AdditionalProperties, StringComparer.Ordinal)
        {
            [ModelCardKeys.QuantizationScheme] = options.Activations == ActivationType.U8 ? "qdq-u8s8" : "qdq-s8s8",
            [ModelCardKeys.QuantizationMethod] = options.Method == CalibrationMethod.Percentile
                ? "percentile " + options.Percentile.ToString("R", CultureInfo.InvariantCulture)
                : "minmax",
            [ModelCardKeys.QuantizationCalibrationImages] = images.ToString(CultureInfo.InvariantCulture),
            [ModelCardKeys.QuantizationDate] = (options.Date ?? DateOnly.FromDateTime(DateTime.UtcNow)).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        };
        return card with { AdditionalProperties = properties };
    }

    /// <summary>Cosines between float and int8 embeddings of the first calibration images; also proves ONNX Runtime loads the result.</summary>
    private static (double Minimum, double Mean) Agreement(
        FaceEmbedder floatEmbedder, ModelProto quantized, IReadOnlyList<float[]> images, Int8QuantizationOptions options, string source)
    {
        var sample = images.Take(AgreementImages).ToArray();
        using var int8Embedder = FaceEmbedder.Open(quantized.ToByteArray(), CpuOptions(options), source + " (int8)");
        var reference = floatEmbedder.Embed(sample);
        var candidate = int8Embedder.Embed(sample);
        var cosines = Enumerable.Range(0, sample.Length).Select(i =>
        {
            var a = reference.GetEmbedding(i);
            var b = candidate.GetEmbedding(i);
            double dot = 0;
            for (int k = 0; k < a.Length; k++)
            {
                dot += a[k] * (double)b[k];
            }

            return dot;   // Both are unit vectors (the graph normalises them).
        }).ToArray();
        return (cosines.Min(), cosines.Average());
    }

    private static FaceEmbedderOptions CpuOptions(Int8QuantizationOptions options) =>
        new() { ExecutionProvider = "cpu", IntraOpThreads = options.Threads, MaxBatch = options.CalibrationBatch };

    private static void CheckQuantizable(ModelProto model, string source)
    {
        long opset = model.OpsetImport.Where(o => o.Domain.Length == 0 || o.Domain == "ai.onnx").Select(o => o.Version).DefaultIfEmpty(0).Max();
        if (opset < 13)
        {
            throw new OnnxModelException(source, $"its opset is {opset}; per-channel quantisation (DequantizeLinear's axis) needs opset 13 or later");
        }

        if (model.Graph.Node.Any(n => n.OpType is "QuantizeLinear" or "DequantizeLinear" or "QLinearConv" or "ConvInteger"))
        {
            throw new OnnxModelException(source, "it is already quantised (it has QuantizeLinear/DequantizeLinear or integer operators)");
        }
    }

    private static void CheckImages(IReadOnlyList<float[]> images, int inputSize)
    {
        if (images.Count == 0)
        {
            throw new ArgumentException("No calibration images were given; quantisation needs at least one.", nameof(images));
        }

        int expected = ModelContract.Channels * inputSize * inputSize;
        for (int i = 0; i < images.Count; i++)
        {
            if (images[i] is null || images[i].Length != expected)
            {
                throw new ArgumentException(
                    $"Calibration image {i} has {images[i]?.Length ?? 0} values; expected 3 x {inputSize} x {inputSize} = {expected}.", nameof(images));
            }
        }
    }

    private static void Validate(Int8QuantizationOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.CalibrationBatch, "calibration batch");
        ArgumentOutOfRangeException.ThrowIfNegative(options.Threads, "threads");
        ArgumentOutOfRangeException.ThrowIfLessThan(options.HistogramBins, 16, "histogram bins");
        if (options.Percentile is <= 50 or > 100 || double.IsNaN(options.Percentile))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Percentile, "The percentile must be in (50, 100].");
        }
    }
}
