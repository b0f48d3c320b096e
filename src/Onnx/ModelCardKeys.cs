namespace KappaFace.MLNet.Onnx;

/// <summary>
/// The exact <c>metadata_props</c> key names of the model card, in one place. Values are strings;
/// numbers use the invariant culture. Readers must tolerate keys not listed here.
/// </summary>
public static class ModelCardKeys
{
    /// <summary>Version of KappaFace.MLNet that wrote the model (required).</summary>
    public const string LibraryVersion = "library.version";

    /// <summary>Backbone name, e.g. <c>mobilefacenet</c>, <c>iresnet50</c>.</summary>
    public const string Backbone = "model.backbone";

    /// <summary>Input height and width in pixels, e.g. <c>112</c> (required).</summary>
    public const string InputSize = "input.size";

    /// <summary>Order of the colour planes, <c>RGB</c> (required).</summary>
    public const string ColorOrder = "input.color_order";

    /// <summary>Range of the raw input values, <c>0..255</c> (required).</summary>
    public const string ValueRange = "input.value_range";

    /// <summary>Tensor layout of the input, <c>NCHW</c> (required).</summary>
    public const string Layout = "input.layout";

    /// <summary>Face alignment expected, e.g. <c>arcface-5pt-112</c> or <c>none</c> (required).</summary>
    public const string Alignment = "input.alignment";

    /// <summary>Embedding dimension D (required).</summary>
    public const string EmbeddingSize = "embedding.size";

    /// <summary>Loss the model was trained with, e.g. <c>kappaface</c>, <c>arcface</c>, <c>cosface</c>.</summary>
    public const string Loss = "loss.name";

    /// <summary>Prefix of the loss hyper-parameters: <c>loss.param.s</c>, <c>loss.param.m0</c>, ...</summary>
    public const string LossParameterPrefix = "loss.param.";

    /// <summary>Number of training identities.</summary>
    public const string TrainingClasses = "training.classes";

    /// <summary>Number of training images.</summary>
    public const string TrainingImages = "training.images";

    /// <summary>Random seed of the training run.</summary>
    public const string TrainingSeed = "training.seed";

    /// <summary>Number of training epochs.</summary>
    public const string TrainingEpochs = "training.epochs";

    /// <summary>Cosine-similarity threshold: same person iff score &gt;= threshold.</summary>
    public const string VerificationThreshold = "verification.threshold";

    /// <summary>False accept rate the threshold was chosen for (absent for a best-accuracy threshold).</summary>
    public const string VerificationFar = "verification.far";

    /// <summary>How the threshold was obtained (free text, e.g. the calibration data and method).</summary>
    public const string VerificationSource = "verification.source";

    /// <summary>
    /// How an int8 model was quantised, e.g. <c>qdq-u8s8</c>: QuantizeLinear/DequantizeLinear pairs,
    /// uint8 activations per tensor, int8 weights per output channel (absent in float models).
    /// </summary>
    public const string QuantizationScheme = "quantization.scheme";

    /// <summary>How activation ranges were calibrated, e.g. <c>percentile 99.99</c> or <c>minmax</c>.</summary>
    public const string QuantizationMethod = "quantization.method";

    /// <summary>Number of images the activation ranges were calibrated on.</summary>
    public const string QuantizationCalibrationImages = "quantization.calibration_images";

    /// <summary>Date of quantisation, ISO 8601 (<c>yyyy-MM-dd</c>, UTC).</summary>
    public const string QuantizationDate = "quantization.date";

    /// <summary>Imported models: SHA-256 (hex) of the foreign ONNX file the model wraps.</summary>
    public const string SourceSha256 = "source.sha256";

    /// <summary>Imported models: the file name of the foreign model.</summary>
    public const string SourceName = "source.name";

    /// <summary>Imported models: the preprocessing the graph's first nodes apply (channels, scale, mean, std).</summary>
    public const string SourcePreprocessing = "source.preprocessing";

    /// <summary>Imported models: the foreign graph's input tensor the preprocessing feeds.</summary>
    public const string SourceInputName = "source.inputName";

    /// <summary>Imported models: the foreign graph's tensor taken as the raw embedding.</summary>
    public const string SourceOutputName = "source.outputName";

    /// <summary>Imported models: the foreign model's default-domain opset before conversion.</summary>
    public const string SourceOpset = "source.opset";

    /// <summary>Fine-tuned models: SHA-256 (hex) of the model file training started from.</summary>
    public const string ParentSha256 = "parent.sha256";

    /// <summary>Fine-tuned models: the name (backbone or file name) of the model training started from.</summary>
    public const string ParentName = "parent.name";

    /// <summary>The keys a model must carry to be used by <see cref="FaceEmbedder"/>.</summary>
    public static IReadOnlyList<string> Required { get; } =
        [LibraryVersion, InputSize, ColorOrder, ValueRange, Layout, Alignment, EmbeddingSize];

    /// <summary>Every key with a typed property on <see cref="ModelCard"/> (loss parameters excepted).</summary>
    public static IReadOnlyList<string> Known { get; } =
    [
        LibraryVersion, Backbone, InputSize, ColorOrder, ValueRange, Layout, Alignment, EmbeddingSize, Loss,
        TrainingClasses, TrainingImages, TrainingSeed, TrainingEpochs,
        VerificationThreshold, VerificationFar, VerificationSource,
    ];
}
