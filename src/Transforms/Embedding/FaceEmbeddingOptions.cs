using Microsoft.ML.Transforms.Image;

namespace KappaFace.MLNet.Transforms.Embedding;

/// <summary>Options of <see cref="FaceTransformsCatalog.ApplyFaceEmbedding(Microsoft.ML.TransformsCatalog, FaceEmbeddingOptions)"/>.</summary>
public sealed class FaceEmbeddingOptions
{
    /// <summary>The embedding column written: D floats. Default <see cref="FaceColumnNames.Embedding"/>.</summary>
    public string OutputColumnName { get; set; } = FaceColumnNames.Embedding;

    /// <summary>
    /// The input column: an image (<c>MLImage</c>, any size) or a known-size float vector of 3 x H x H
    /// values (RGB planes, 0..255). Default <see cref="FaceColumnNames.Image"/>.
    /// </summary>
    public string InputColumnName { get; set; } = FaceColumnNames.Image;

    /// <summary>
    /// Also write the embedding's pre-normalisation norm (the model's <c>embedding_norm</c> output) to
    /// this column (a one-value float vector); null (default) leaves it out.
    /// </summary>
    public string? NormColumnName { get; set; }

    /// <summary>The ONNX model file. Exactly one of <see cref="ModelFile"/> and <see cref="ModelBytes"/> must be set.</summary>
    public string? ModelFile { get; set; }

    /// <summary>The serialised ONNX model. Exactly one of <see cref="ModelFile"/> and <see cref="ModelBytes"/> must be set.</summary>
#pragma warning disable CA1819 // The model is handed over as bytes, as ML.NET's own ONNX options do with streams.
    public byte[]? ModelBytes { get; set; }
#pragma warning restore CA1819

    /// <summary>
    /// The CUDA device for ONNX Runtime, or null (default) to use <c>MLContext.GpuDeviceId</c> (CPU when
    /// that is null too), as <c>ApplyOnnxModel</c> does.
    /// </summary>
    public int? GpuDeviceId { get; set; }

    /// <summary>Use the CPU when the GPU cannot be used (as <c>ApplyOnnxModel</c>). Default false.</summary>
    public bool FallbackToCpu { get; set; }

    /// <summary>
    /// How images of another size are brought to the model's H x H. Default
    /// <see cref="ImageResizingEstimator.ResizingKind.IsoCrop"/> (keep the aspect ratio, crop the excess),
    /// so faces are not stretched.
    /// </summary>
    public ImageResizingEstimator.ResizingKind Resizing { get; set; } = ImageResizingEstimator.ResizingKind.IsoCrop;

    /// <summary>Where a crop is anchored. Default <see cref="ImageResizingEstimator.Anchor.Center"/>.</summary>
    public ImageResizingEstimator.Anchor CropAnchor { get; set; } = ImageResizingEstimator.Anchor.Center;
}
