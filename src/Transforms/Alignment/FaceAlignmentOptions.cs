using KappaFace.MLNet.Data.Alignment;

namespace KappaFace.MLNet.Transforms.Alignment;

/// <summary>
/// Options of <see cref="FaceRecognitionCatalog.DetectAndAlignFaces(FaceAlignmentOptions)"/>. The detection
/// defaults are those of the library's <c>FaceDetectorOptions</c> and <c>kappaface align</c>, so a pipeline
/// and the command give the same crops.
/// </summary>
public sealed record FaceAlignmentOptions
{
    /// <summary>
    /// The photo column: text holding the image file's path, decoded by the library (EXIF orientation applied,
    /// greyscale/CMYK converted, bad files refused naming the file). An <c>MLImage</c> column is refused: pass the
    /// path column that <c>LoadImages</c> reads instead. Default <see cref="FaceColumnNames.ImagePath"/>.
    /// </summary>
    public string InputColumnName { get; init; } = FaceColumnNames.ImagePath;

    /// <summary>The aligned face written: an S x S image (<c>MLImage</c>). Default <see cref="FaceColumnNames.FaceImage"/>.</summary>
    public string OutputColumnName { get; init; } = FaceColumnNames.FaceImage;

    /// <summary>The chosen face's detection score (Single, 0..1; 0 for a row without a face). Default <see cref="FaceColumnNames.FaceScore"/>.</summary>
    public string ScoreColumnName { get; init; } = FaceColumnNames.FaceScore;

    /// <summary>
    /// The chosen face's five landmarks in the photo's pixels (<c>Vector&lt;Single, 10&gt;</c>: x, y of the left
    /// eye, right eye, nose tip, left and right mouth corners; NaN for a row without a face). Default
    /// <see cref="FaceColumnNames.FaceLandmarks"/>.
    /// </summary>
    public string LandmarksColumnName { get; init; } = FaceColumnNames.FaceLandmarks;

    /// <summary>Whether a face was found (Boolean). Default <see cref="FaceColumnNames.FaceFound"/>.</summary>
    public string FoundColumnName { get; init; } = FaceColumnNames.FaceFound;

    /// <summary>The RetinaFace-format detector file (docs/alignment.md). Exactly one of <see cref="DetectorFile"/> and <see cref="DetectorBytes"/> must be set.</summary>
    public string? DetectorFile { get; init; }

    /// <summary>The serialised detector. Exactly one of <see cref="DetectorFile"/> and <see cref="DetectorBytes"/> must be set.</summary>
#pragma warning disable CA1819 // The model is handed over as bytes, as ML.NET's own ONNX options do with streams.
    public byte[]? DetectorBytes { get; init; }
#pragma warning restore CA1819

    /// <summary>The side S of the aligned square crop. Default 112 (the ArcFace template's own size).</summary>
    public int Size { get; init; } = ArcFaceTemplate.ReferenceSize;

    /// <summary>Faces scoring below this are not found. Default 0.5.</summary>
    public float MinScore { get; init; } = 0.5f;

    /// <summary>Non-maximum suppression IoU. Default 0.4.</summary>
    public float NmsThreshold { get; init; } = 0.4f;

    /// <summary>Photos whose longer side is shorter than this are upscaled for detection. Default 224.</summary>
    public int MinimumDetectionSide { get; init; } = 224;

    /// <summary>Photos whose longer side is longer than this are downscaled for detection (the crop still samples the original pixels). Default 640.</summary>
    public int MaximumDetectionSide { get; init; } = 640;

    /// <summary>
    /// Which face of a photo with several becomes the row's face: <see cref="FaceSelection.Best"/> (default) or
    /// <see cref="FaceSelection.Largest"/>. <see cref="FaceSelection.All"/> is refused: a row maps to one row.
    /// </summary>
    public FaceSelection Faces { get; init; } = FaceSelection.Best;

    /// <summary>What a row without a face gives. Default <see cref="NoFaceRowPolicy.Fail"/>.</summary>
    public NoFaceRowPolicy OnNoFace { get; init; } = NoFaceRowPolicy.Fail;

    /// <summary>
    /// The CUDA device for the detector, or null (default) to use <c>MLContext.GpuDeviceId</c> (CPU when that
    /// is null too), as <c>ApplyOnnxModel</c> and <c>ApplyFaceEmbedding</c> do.
    /// </summary>
    public int? GpuDeviceId { get; init; }

    /// <summary>
    /// Use the CPU when the GPU cannot be used, or null (default) to use <c>MLContext.FallbackToCpu</c>
    /// (false unless set), as <c>ApplyOnnxModel</c> does.
    /// </summary>
    public bool? FallbackToCpu { get; init; }
}

/// <summary>
/// What <c>DetectAndAlignFaces</c> does with a row whose photo has no face above the score threshold. An
/// ML.NET row mapper maps every row to one row and cannot drop it, so "skip" is spelled as <see cref="Flag"/>
/// followed by a filter (docs/alignment.md).
/// </summary>
public enum NoFaceRowPolicy
{
    /// <summary>
    /// Reading the row throws <see cref="KappaFace.MLNet.Data.Alignment.NoFaceException"/> whose <c>Path</c> is
    /// the photo's path. Default.
    /// </summary>
    Fail,

    /// <summary>
    /// The row gets a black S x S face, score 0, NaN landmarks and found = false; drop such rows with
    /// <c>mlContext.Data.FilterRowsByColumn(data, scoreColumn, lowerBound: minScore)</c> after the transform.
    /// </summary>
    Flag,
}
