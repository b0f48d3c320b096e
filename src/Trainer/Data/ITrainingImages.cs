namespace KappaFace.MLNet.Trainer.Data;

/// <summary>
/// The labelled training images as the trainer consumes them: labels and sources up front, pixels on request.
/// Implementations either hold every image in memory (<see cref="InMemoryTrainingImages"/>) or decode each one
/// when it is asked for (<see cref="StreamingTrainingImages"/>), so a folder larger than memory can be trained on.
/// </summary>
/// <remarks>
/// Pixels are 3 x <see cref="ImageSize"/> x <see cref="ImageSize"/> bytes, RGB planes (CHW), 0..255, the layout of
/// <see cref="KappaFace.MLNet.Data.FaceImageSet.Pixels"/>. <see cref="CopyPixels"/> must be safe to call from several
/// threads at once: the batch pipeline decodes on background workers.
/// </remarks>
public interface ITrainingImages
{
    /// <summary>The side S of the square images, in pixels.</summary>
    int ImageSize { get; }

    /// <summary>The number of images N (dataset indices are 0..N-1).</summary>
    int Count { get; }

    /// <summary>The number of classes C.</summary>
    int ClassCount { get; }

    /// <summary>The class label (0..C-1) of each image.</summary>
    IReadOnlyList<int> Labels { get; }

    /// <summary>Where each image came from (a file path or a synthetic identifier), for error messages.</summary>
    IReadOnlyList<string> Sources { get; }

    /// <summary>The number of images of each class, in label order (a new array each call).</summary>
    long[] ClassCounts();

    /// <summary>Writes the pixels of image <paramref name="index"/> into <paramref name="target"/> (3 x S x S bytes).</summary>
    /// <exception cref="KappaFace.MLNet.Data.FaceDataException">The image cannot be read or decoded; the exception names the file.</exception>
    void CopyPixels(int index, Span<byte> target);
}
