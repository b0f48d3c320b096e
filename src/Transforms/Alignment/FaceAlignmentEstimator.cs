using System.Globalization;
using KappaFace.MLNet.Data.Alignment;
using KappaFace.MLNet.Data.Detection;
using KappaFace.MLNet.Onnx;
using KappaFace.MLNet.Transforms.Common;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;

namespace KappaFace.MLNet.Transforms.Alignment;

/// <summary>
/// Finds the face of each photo with a RetinaFace-format detector and aligns it onto the ArcFace template
/// (docs/alignment.md), inside an ML.NET pipeline: a column of photo paths in; an aligned S x S image, the
/// face's score, its five landmarks and a found flag out. Made by
/// <see cref="FaceRecognitionCatalog.DetectAndAlignFaces(FaceAlignmentOptions)"/>; its image output feeds
/// <c>ApplyFaceEmbedding</c>.
/// </summary>
/// <remarks>
/// <para>
/// Like <see cref="Embedding.FaceEmbeddingEstimator"/>, a checking front for a chain of saveable ML.NET pieces:
/// <c>CopyColumns</c> (the photo to <see cref="FaceAlignmentContract.PhotoColumn"/>) -&gt; <c>CustomMapping</c>
/// <see cref="DetectorTickMapping"/> -&gt; <c>ApplyOnnxModel</c> (the payload carrier: the detector bytes and the
/// settings, see <c>DetectorPayload</c>) -&gt; <c>CustomMapping</c>
/// <see cref="PathFaceAlignmentMapping"/> (decode, detect, pick, align with the library's <c>FaceCropper</c>) -&gt;
/// <c>CopyColumns</c> (to the output names) -&gt; <c>DropColumns</c>. The detector therefore travels inside
/// the saved model and a fresh process that only references this assembly loads and runs it.
/// </para>
/// <para>
/// The detector runs in this library's own ONNX Runtime session (<c>FaceDetector</c>), opened once per process
/// and detector, with the device chosen from <see cref="FaceAlignmentOptions.GpuDeviceId"/> and
/// <see cref="FaceAlignmentOptions.FallbackToCpu"/> (or the <see cref="MLContext"/>'s settings) when the
/// estimator is made; that choice is saved with the model.
/// </para>
/// </remarks>
public sealed class FaceAlignmentEstimator : IEstimator<TransformerChain<ITransformer>>
{
    private const string Operation = "DetectAndAlignFaces";
    private const string ExpectedInput = "a text column holding an image file path (for images loaded with LoadImages, pass the path column LoadImages reads)";

    private readonly MLContext _context;
    private readonly FaceAlignmentOptions _options;
    private readonly byte[] _carrier;
    private EstimatorChain<ITransformer>? _chain;

    internal FaceAlignmentEstimator(MLContext context, FaceAlignmentOptions options)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(options);
        CheckOptions(options);
        _context = context;
        _options = options;

        byte[] detector = ReadDetector(options, out string source);
        DetectorSource = source;
        Settings = new AlignmentSettings(
            options.Size,
            options.MinScore,
            options.NmsThreshold,
            options.MinimumDetectionSide,
            options.MaximumDetectionSide,
            options.Faces,
            options.OnNoFace,
            ExecutionProviderFor(options.GpuDeviceId ?? context.GpuDeviceId, options.FallbackToCpu ?? context.FallbackToCpu),
            DetectorPayload.Hash(detector));
        DetectorPayload.DetectorOptions(Settings).Validate();

        // Open the detector once on the CPU: this checks the bytes and the RetinaFace output layout and fails
        // here, naming the model, rather than on the first row.
        FaceDetector.Open(detector, new FaceDetectorOptions { ExecutionProvider = "cpu", IntraOpThreads = 1 }, source).Dispose();
        _carrier = DetectorPayload.CarrierModel(DetectorPayload.Encode(Settings, detector));
    }

    /// <summary>The detector file, or a name for a detector given as bytes.</summary>
    public string DetectorSource { get; }

    /// <summary>The execution provider the detector is asked for (<c>cpu</c>, <c>cuda:ID</c>, or <c>auto:ID</c> with CPU fallback).</summary>
    public string ExecutionProvider => Settings.ExecutionProvider;

    /// <summary>The side S of the aligned crops.</summary>
    public int Size => _options.Size;

    /// <summary>The input column.</summary>
    public string InputColumnName => _options.InputColumnName;

    /// <summary>The aligned face column.</summary>
    public string OutputColumnName => _options.OutputColumnName;

    internal AlignmentSettings Settings { get; }

    /// <summary>Checks the input schema and fits the chain (nothing is learned).</summary>
    /// <param name="input">The data; its schema is checked.</param>
    /// <returns>The fitted chain of built-in ML.NET transformers and registered mappings, which saves and loads.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The input column is missing or is not text.</exception>
    /// <exception cref="InvalidOperationException">The schema has a column with a name the chain uses internally.</exception>
    public TransformerChain<ITransformer> Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        DataViewSchema.Column column = SchemaErrors.Find(input.Schema, Operation, "input", InputColumnName, ExpectedInput);
        if (column.Type is not TextDataViewType)
        {
            throw SchemaErrors.Mismatch(Operation, "input", InputColumnName, ExpectedInput, Actual(SchemaErrors.Describe(column.Type), column.Type is ImageDataViewType));
        }

        CheckReservedNames(input.Schema.Where(c => !c.IsHidden).Select(c => c.Name));
        return Chain.Fit(input);
    }

    /// <summary>The output schema: the input columns plus the face, score, landmarks and found columns.</summary>
    /// <param name="inputSchema">The input schema shape.</param>
    /// <returns>The output schema shape.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The input column is missing or is not text.</exception>
    /// <exception cref="InvalidOperationException">The schema has a column with a name the chain uses internally.</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        SchemaShape.Column column = SchemaErrors.Find(inputSchema, Operation, "input", InputColumnName, ExpectedInput);
        bool scalar = column.Kind == SchemaShape.Column.VectorKind.Scalar && !column.IsKey;
        if (!(scalar && column.ItemType is TextDataViewType))
        {
            throw SchemaErrors.Mismatch(Operation, "input", InputColumnName, ExpectedInput, Actual(SchemaErrors.Describe(column), column.ItemType is ImageDataViewType));
        }

        CheckReservedNames(inputSchema.Select(c => c.Name));
        return Chain.GetOutputSchema(inputSchema);
    }

    /// <summary>The provider request for an ML.NET-style device choice.</summary>
    internal static string ExecutionProviderFor(int? gpuDeviceId, bool fallbackToCpu) => gpuDeviceId switch
    {
        null => "cpu",
        int id when id < 0 => throw new ArgumentOutOfRangeException(nameof(gpuDeviceId), id, "The GPU device ID must be 0 or more."),
        int id => (fallbackToCpu ? "auto:" : "cuda:") + id.ToString(CultureInfo.InvariantCulture),
    };

    private static void CheckOptions(FaceAlignmentOptions options)
    {
        string[] outputs = [options.OutputColumnName, options.ScoreColumnName, options.LandmarksColumnName, options.FoundColumnName];
        ArgumentException.ThrowIfNullOrWhiteSpace(options.InputColumnName, nameof(options));
        foreach (string name in outputs)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(name, nameof(options));
            if (FaceAlignmentContract.InternalColumns.Contains(name, StringComparer.Ordinal))
            {
                throw new ArgumentException($"The output column '{name}' has a name the {Operation} chain uses internally; choose another.", nameof(options));
            }
        }

        if (outputs.Distinct(StringComparer.Ordinal).Count() != outputs.Length)
        {
            throw new ArgumentException($"The face, score, landmarks and found columns must have four different names; got {string.Join(", ", outputs)}.", nameof(options));
        }

        if ((options.DetectorFile is null) == (options.DetectorBytes is null))
        {
            throw new ArgumentException("Set exactly one of DetectorFile and DetectorBytes.", nameof(options));
        }

        if (options.Faces == FaceSelection.All)
        {
            throw new ArgumentException(
                $"Faces = All is not possible in a pipeline: {Operation} maps each row to one row. Use Best or Largest, or FolderAligner for every face.",
                nameof(options));
        }

        if (!Enum.IsDefined(options.Faces) || !Enum.IsDefined(options.OnNoFace))
        {
            throw new ArgumentOutOfRangeException(nameof(options), $"Faces = {options.Faces} or OnNoFace = {options.OnNoFace} is not a defined value.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(options.Size, 8, nameof(options.Size));
    }

    private static byte[] ReadDetector(FaceAlignmentOptions options, out string source)
    {
        if (options.DetectorBytes is { } bytes)
        {
            source = "<detector bytes>";
            return bytes;
        }

        source = options.DetectorFile!;
        if (!File.Exists(source))
        {
            throw new OnnxModelException(source, "the detector model file does not exist");
        }

        return File.ReadAllBytes(source);
    }

    private static void CheckReservedNames(IEnumerable<string> columns)
    {
        foreach (string name in columns)
        {
            if (FaceAlignmentContract.InternalColumns.Contains(name, StringComparer.Ordinal))
            {
                throw new InvalidOperationException(
                    $"{Operation}: the input already has a column '{name}', a name the chain uses internally "
                    + $"({string.Join(", ", FaceAlignmentContract.InternalColumns)}); rename or drop that column first.");
            }
        }
    }

    private EstimatorChain<ITransformer> Chain => _chain ??= BuildChain();

    // ML.NET 5.0 does not let a LoadImages column into a CustomMapping (see AnySizeImageAttribute), hence the hint.
    private static string Actual(string type, bool image) =>
        image ? $"{type} (an MLImage column; give the path column instead, the photo is decoded with its EXIF orientation applied)" : type;

    private EstimatorChain<ITransformer> BuildChain()
    {
        TransformsCatalog transforms = _context.Transforms;
        var chain = new EstimatorChain<ITransformer>()
            .Append<ITransformer>(transforms.CopyColumns(FaceAlignmentContract.PhotoColumn, InputColumnName))
            .Append<ITransformer>(transforms.CustomMapping(new DetectorTickMapping().GetMapping(), FaceAlignmentContract.TickContract))
            .Append<ITransformer>(transforms.ApplyOnnxModel(
                [DetectorPayload.OutputName],
                [DetectorPayload.InputName],
                new MemoryStream(_carrier, writable: false),
                shapeDictionary: null,
                gpuDeviceId: null,
                // The carrier only hands out bytes: wherever the context points ML.NET, the CPU will do.
                fallbackToCpu: true,
                recursionLimit: 100));
        return chain
            .Append<ITransformer>(transforms.CustomMapping(new PathFaceAlignmentMapping().GetMapping(), FaceAlignmentContract.PathContract))
            .Append<ITransformer>(transforms.CopyColumns(OutputColumnName, FaceAlignmentContract.FaceColumn))
            .Append<ITransformer>(transforms.CopyColumns(_options.ScoreColumnName, FaceAlignmentContract.ScoreColumn))
            .Append<ITransformer>(transforms.CopyColumns(_options.LandmarksColumnName, FaceAlignmentContract.LandmarksColumn))
            .Append<ITransformer>(transforms.CopyColumns(_options.FoundColumnName, FaceAlignmentContract.FoundColumn))
            .Append<ITransformer>(transforms.DropColumns(FaceAlignmentContract.InternalColumns));
    }
}
