using System.Globalization;
using KappaFace.MLNet.Onnx;
using KappaFace.MLNet.Transforms.Common;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;

namespace KappaFace.MLNet.Transforms.Embedding;

/// <summary>
/// Embeds faces with a KappaFace ONNX model (docs/onnx-model.md) inside an ML.NET pipeline. Made by
/// <see cref="FaceTransformsCatalog.ApplyFaceEmbedding(TransformsCatalog, FaceEmbeddingOptions)"/>.
/// </summary>
/// <remarks>
/// <para>
/// The estimator is a thin, checking front for a chain of ML.NET's own saveable transforms, so the
/// fitted model saves and loads with <c>mlContext.Model.Save/Load</c> like any built-in pipeline (a
/// third-party assembly cannot write saveable transformers). For an image column the chain is
/// <c>ResizeImages</c> (to the H x H of the model card) -&gt; <c>ExtractPixels</c> (RGB planes, values
/// 0..255, no offset or scale: what the model's <c>input</c> expects) -&gt; <c>ApplyOnnxModel</c> -&gt;
/// <c>CopyColumns</c> -&gt; <c>DropColumns</c> (the intermediate columns). For a pixel vector column the
/// first two steps are replaced by a copy. The ONNX model's bytes are stored in the saved model.
/// </para>
/// <para>
/// The output column holds D floats (an L2-normalised embedding); its type is
/// <c>Vector&lt;Single, 1, D&gt;</c>, the ONNX output's shape for one row. The columns <c>input</c>,
/// <c>embedding</c> and <c>embedding_norm</c> are the ONNX model's tensor names, used inside the chain;
/// an input schema that already has such a column (other than the input or output column itself) is
/// rejected, since the chain would hide and then drop it.
/// </para>
/// </remarks>
public sealed class FaceEmbeddingEstimator : IEstimator<TransformerChain<ITransformer>>
{
    private const string Operation = "ApplyFaceEmbedding";

    /// <summary>The resized image produced inside the chain and dropped at its end.</summary>
    internal const string ResizedImageColumn = "KappaFace.ResizedImage";

    private readonly TransformsCatalog _catalog;
    private readonly FaceEmbeddingOptions _options;
    private readonly byte[]? _modelBytes;
    private EstimatorChain<ITransformer>? _imageChain;
    private EstimatorChain<ITransformer>? _vectorChain;

    internal FaceEmbeddingEstimator(TransformsCatalog catalog, FaceEmbeddingOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.OutputColumnName, nameof(options));
        ArgumentException.ThrowIfNullOrWhiteSpace(options.InputColumnName, nameof(options));
        if ((options.ModelFile is null) == (options.ModelBytes is null))
        {
            throw new ArgumentException("Set exactly one of ModelFile and ModelBytes.", nameof(options));
        }

        if (options.NormColumnName is { } norm && (string.IsNullOrWhiteSpace(norm) || norm == options.OutputColumnName))
        {
            throw new ArgumentException($"NormColumnName '{norm}' must be a non-empty name other than the output column.", nameof(options));
        }

        string[] notOutputs = [ModelContract.InputName, ResizedImageColumn];
        if (notOutputs.Contains(options.OutputColumnName, StringComparer.Ordinal) || options.OutputColumnName == ModelContract.EmbeddingNormName
            || (options.NormColumnName is { } n && (notOutputs.Contains(n, StringComparer.Ordinal) || n == ModelContract.EmbeddingName)))
        {
            throw new ArgumentException(
                $"The output columns cannot be named '{ModelContract.InputName}', '{ResizedImageColumn}' or the other ONNX output's name; "
                + "these names are used inside the embedding chain.",
                nameof(options));
        }

        _catalog = catalog;
        _options = options;
        _modelBytes = options.ModelBytes;

        // Open the model once with ONNX Runtime on the CPU: this checks the file, the model card and the
        // tensor contract (input [batch, 3, H, H], outputs embedding [batch, D] and embedding_norm) and
        // fails here, naming the model, rather than deep inside ML.NET.
        var check = new FaceEmbedderOptions { ExecutionProvider = "cpu", IntraOpThreads = 1 };
        using FaceEmbedder embedder = options.ModelFile is { } file
            ? FaceEmbedder.Open(file, check)
            : FaceEmbedder.Open(options.ModelBytes!, check, "<model bytes>");
        ModelCard = embedder.ModelCard;
        ModelSource = embedder.Source;
        CheckCardInput(ModelCard, ModelSource);
    }

    /// <summary>The model card of the ONNX model (input size, embedding size, threshold, ...).</summary>
    public ModelCard ModelCard { get; }

    /// <summary>The model file, or a name for a model given as bytes or a stream.</summary>
    public string ModelSource { get; }

    /// <summary>The model's input height and width H.</summary>
    public int InputSize => ModelCard.InputSize;

    /// <summary>The embedding size D.</summary>
    public int EmbeddingSize => ModelCard.EmbeddingSize;

    /// <summary>The number of floats of a pixel-vector input: 3 x H x H.</summary>
    public int PixelCount => ModelContract.Channels * InputSize * InputSize;

    /// <summary>The input column.</summary>
    public string InputColumnName => _options.InputColumnName;

    /// <summary>The output column.</summary>
    public string OutputColumnName => _options.OutputColumnName;

    /// <summary>Checks the input schema and fits the chain of built-in transforms (nothing is learned).</summary>
    /// <param name="input">The data; its schema is checked.</param>
    /// <returns>The fitted chain: built-in ML.NET transformers only, so it can be saved and loaded.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The input column is missing or has the wrong type or size.</exception>
    /// <exception cref="InvalidOperationException">The schema has a column with a name the chain uses internally.</exception>
    public TransformerChain<ITransformer> Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        bool image = CheckInput(input.Schema);
        return Chain(image).Fit(input);
    }

    /// <summary>The output schema: the input columns plus the embedding (and norm) column.</summary>
    /// <param name="inputSchema">The input schema shape.</param>
    /// <returns>The output schema shape.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The input column is missing or has the wrong type.</exception>
    /// <exception cref="InvalidOperationException">The schema has a column with a name the chain uses internally.</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        SchemaShape.Column column = SchemaErrors.Find(inputSchema, Operation, "input", InputColumnName, ExpectedInput);
        bool image;
        if (column.Kind == SchemaShape.Column.VectorKind.Scalar && column.ItemType is ImageDataViewType)
        {
            image = true;
        }
        else if (column.Kind == SchemaShape.Column.VectorKind.Vector && column.ItemType == NumberDataViewType.Single && !column.IsKey)
        {
            image = false;
        }
        else
        {
            throw SchemaErrors.Mismatch(Operation, "input", InputColumnName, ExpectedInput, SchemaErrors.Describe(column));
        }

        CheckReservedNames(inputSchema.Select(c => c.Name), image);
        return Chain(image).GetOutputSchema(inputSchema);
    }

    private string ExpectedInput =>
        $"an image (MLImage, e.g. from LoadImages; resized to {InputSize}x{InputSize}) or Vector<Single, {PixelCount}> "
        + $"(3 x {InputSize} x {InputSize} RGB planes, values 0..255)";

    private static void CheckCardInput(ModelCard card, string source)
    {
        if (card.ColorOrder != ModelCard.Rgb || card.ValueRange != ModelCard.PixelRange0To255 || card.Layout != ModelCard.Nchw)
        {
            throw new OnnxModelException(
                source,
                $"the model card says {ModelCardKeys.ColorOrder}={card.ColorOrder}, {ModelCardKeys.ValueRange}={card.ValueRange}, "
                + $"{ModelCardKeys.Layout}={card.Layout}; ApplyFaceEmbedding feeds {ModelCard.Rgb} planes, values {ModelCard.PixelRange0To255}, "
                + $"{ModelCard.Nchw} (docs/onnx-model.md, Contract)");
        }
    }

    /// <summary>Checks the input column; returns true for an image, false for a pixel vector.</summary>
    private bool CheckInput(DataViewSchema schema)
    {
        DataViewSchema.Column column = SchemaErrors.Find(schema, Operation, "input", InputColumnName, ExpectedInput);
        bool image;
        switch (column.Type)
        {
            case ImageDataViewType:
                image = true;
                break;
            case VectorDataViewType vector when vector.ItemType == NumberDataViewType.Single && vector.Size == PixelCount:
                image = false;
                break;
            case VectorDataViewType vector when vector.ItemType == NumberDataViewType.Single && vector.IsKnownSize:
                throw SchemaErrors.Mismatch(
                    Operation, "input", InputColumnName, ExpectedInput,
                    $"{SchemaErrors.Describe(column.Type)} ({vector.Size.ToString(CultureInfo.InvariantCulture)} values, not {PixelCount.ToString(CultureInfo.InvariantCulture)})");
            default:
                throw SchemaErrors.Mismatch(Operation, "input", InputColumnName, ExpectedInput, SchemaErrors.Describe(column.Type));
        }

        CheckReservedNames(schema.Where(c => !c.IsHidden).Select(c => c.Name), image);
        return image;
    }

    private void CheckReservedNames(IEnumerable<string> columns, bool image)
    {
        var allowed = new HashSet<string>(StringComparer.Ordinal) { OutputColumnName };
        if (!image)
        {
            allowed.Add(InputColumnName);
        }

        if (_options.NormColumnName is { } norm)
        {
            allowed.Add(norm);
        }

        string[] reserved = [ModelContract.InputName, ModelContract.EmbeddingName, ModelContract.EmbeddingNormName, ResizedImageColumn];
        foreach (string name in columns)
        {
            if (reserved.Contains(name, StringComparer.Ordinal) && !allowed.Contains(name))
            {
                throw new InvalidOperationException(
                    $"{Operation}: the input already has a column '{name}', a name the embedding chain uses for the ONNX model's tensors "
                    + $"({string.Join(", ", reserved)}); rename or drop that column first.");
            }
        }
    }

    private EstimatorChain<ITransformer> Chain(bool image) =>
        image ? _imageChain ??= BuildChain(image: true) : _vectorChain ??= BuildChain(image: false);

    private EstimatorChain<ITransformer> BuildChain(bool image)
    {
        var chain = new EstimatorChain<ITransformer>();
        var drop = new List<string>();
        if (image)
        {
            chain = chain
                .Append<ITransformer>(_catalog.ResizeImages(
                    ResizedImageColumn, InputSize, InputSize, InputColumnName, _options.Resizing, _options.CropAnchor))
                .Append<ITransformer>(_catalog.ExtractPixels(
                    ModelContract.InputName,
                    ResizedImageColumn,
                    colorsToExtract: ImagePixelExtractingEstimator.ColorBits.Rgb,
                    orderOfExtraction: ImagePixelExtractingEstimator.ColorsOrder.ARGB,
                    interleavePixelColors: false,
                    offsetImage: 0f,
                    scaleImage: 1f,
                    outputAsFloatArray: true));
            drop.Add(ResizedImageColumn);
            drop.Add(ModelContract.InputName);
        }
        else if (InputColumnName != ModelContract.InputName)
        {
            chain = chain.Append<ITransformer>(_catalog.CopyColumns(ModelContract.InputName, InputColumnName));
            drop.Add(ModelContract.InputName);
        }

        string[] outputs = _options.NormColumnName is null
            ? [ModelContract.EmbeddingName]
            : [ModelContract.EmbeddingName, ModelContract.EmbeddingNormName];
        string[] inputs = [ModelContract.InputName];
        chain = _modelBytes is null
            ? chain.Append<ITransformer>(_catalog.ApplyOnnxModel(
                outputs, inputs, _options.ModelFile!, shapeDictionary: null, _options.GpuDeviceId, _options.FallbackToCpu, recursionLimit: 100))
            : chain.Append<ITransformer>(_catalog.ApplyOnnxModel(
                outputs, inputs, new MemoryStream(_modelBytes, writable: false), shapeDictionary: null, _options.GpuDeviceId, _options.FallbackToCpu, recursionLimit: 100));

        if (OutputColumnName != ModelContract.EmbeddingName)
        {
            chain = chain.Append<ITransformer>(_catalog.CopyColumns(OutputColumnName, ModelContract.EmbeddingName));
            drop.Add(ModelContract.EmbeddingName);
        }

        if (_options.NormColumnName is { } norm && norm != ModelContract.EmbeddingNormName)
        {
            chain = chain.Append<ITransformer>(_catalog.CopyColumns(norm, ModelContract.EmbeddingNormName));
            drop.Add(ModelContract.EmbeddingNormName);
        }

        if (drop.Count > 0)
        {
            chain = chain.Append<ITransformer>(_catalog.DropColumns([.. drop]));
        }

        return chain;
    }
}
