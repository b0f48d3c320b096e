using System.Runtime.ExceptionServices;
using KappaFace.MLNet.Data.Alignment;
using KappaFace.MLNet.Data.Detection;
using KappaFace.MLNet.Onnx;

namespace KappaFace.MLNet.Data.Embedding;

/// <summary>
/// The <see cref="IFaceEmbedder"/> of an ONNX embedding model run by ONNX Runtime (<see cref="FaceEmbedder"/>).
/// Without a detector every input is a face crop, decoded and resized with the training loader's rules
/// (<see cref="FaceImageFile"/>), so a file embeds exactly as it trained. With a detector every input is a
/// photo: its best face is found and aligned to the model input first (<see cref="PhotoFaces"/>).
/// Images are prepared in parallel, a chunk at a time (memory stays bounded on large sets), and run through
/// the model in its batches (<see cref="FaceEmbedderOptions.MaxBatch"/>). Thread-safe, as the model and the
/// detector are.
/// </summary>
public sealed class FaceImageEmbedder : IFaceEmbedder
{
    /// <summary>Images prepared before each model run: bounds memory to this many 3 x S x S float images.</summary>
    public const int ChunkSize = 256;

    private readonly bool _ownsModel;
    private readonly int _pixelsPerImage;

    /// <summary>Embeds with a model the caller opened and keeps owning (it is not disposed here).</summary>
    /// <param name="model">The embedding model.</param>
    /// <param name="detector">Given, inputs are photos whose best face is aligned first; the caller keeps owning it.</param>
    public FaceImageEmbedder(FaceEmbedder model, FaceDetector? detector = null)
        : this(model, detector, ownsModel: false)
    {
    }

    private FaceImageEmbedder(FaceEmbedder model, FaceDetector? detector, bool ownsModel)
    {
        ArgumentNullException.ThrowIfNull(model);
        Model = model;
        Detector = detector;
        _ownsModel = ownsModel;
        _pixelsPerImage = ModelContract.Channels * model.InputSize * model.InputSize;
    }

    /// <summary>The embedding model (model card, execution provider).</summary>
    public FaceEmbedder Model { get; }

    /// <summary>The face detector that aligns photos, or null when inputs are face crops.</summary>
    public FaceDetector? Detector { get; }

    /// <inheritdoc/>
    public int InputSize => Model.InputSize;

    /// <inheritdoc/>
    public int EmbeddingSize => Model.EmbeddingSize;

    /// <inheritdoc/>
    public double? Threshold => Model.Threshold;

    /// <summary>Opens a model file; the embedder owns the model and disposes it.</summary>
    /// <param name="modelPath">The .onnx file.</param>
    /// <param name="options">Session and batching options; defaults when null.</param>
    /// <param name="detector">Given, inputs are photos whose best face is aligned first; the caller keeps owning it.</param>
    /// <exception cref="OnnxModelException">The file is missing, not ONNX or breaks the embedding contract.</exception>
    /// <exception cref="ExecutionProviderException"><c>cuda</c> was requested and cannot be used.</exception>
    public static FaceImageEmbedder Open(string modelPath, FaceEmbedderOptions? options = null, FaceDetector? detector = null) =>
        new(FaceEmbedder.Open(modelPath, options), detector, ownsModel: true);

    /// <inheritdoc/>
    public FaceEmbeddings Embed(IReadOnlyList<string> imageFiles, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(imageFiles);
        return Embed(imageFiles.Count, (i, target) =>
        {
            if (Detector is { } detector)
            {
                PhotoFaces.BestCrop(detector, imageFiles[i], InputSize).WritePlanes(target);
            }
            else
            {
                Widen(FaceImageFile.Decode(imageFiles[i], InputSize), target);
            }
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public FaceEmbeddings Embed(IReadOnlyList<Stream> images, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(images);
        return Embed(images.Count, (i, target) =>
        {
            string name = FaceImageFile.NameOf(images[i], sourceName: null);
            byte[] encoded = FaceImageFile.ReadToEnd(images[i], name);
            if (Detector is { } detector)
            {
                PhotoFaces.BestCrop(detector, PhotoDecoder.Decode(name, encoded).Image, name, InputSize).WritePlanes(target);
            }
            else
            {
                var pixels = new byte[_pixelsPerImage];
                FaceImageDecoder.DecodeInto(name, encoded, InputSize, pixels);
                Widen(pixels, target);
            }
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public FaceEmbeddings Embed(IReadOnlyList<RgbImage> images, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(images);
        return Embed(images.Count, (i, target) =>
        {
            RgbImage image = images[i] ?? throw new ArgumentException($"Image {i} is null.", nameof(images));
            if (Detector is { } detector)
            {
                PhotoFaces.BestCrop(detector, image, $"image {i}", InputSize).WritePlanes(target);
            }
            else
            {
                var pixels = new byte[_pixelsPerImage];
                FaceImageDecoder.ResizeInto(image, InputSize, pixels);
                Widen(pixels, target);
            }
        }, cancellationToken);
    }

    /// <summary>Disposes the model when this embedder opened it; a detector passed in stays open.</summary>
    public void Dispose()
    {
        if (_ownsModel)
        {
            Model.Dispose();
        }
    }

    private static void Widen(ReadOnlySpan<byte> pixels, Span<float> target)
    {
        for (int k = 0; k < pixels.Length; k++)
        {
            target[k] = pixels[k];
        }
    }

    /// <summary>Prepares <paramref name="count"/> inputs a chunk at a time in parallel and embeds each chunk.</summary>
    private FaceEmbeddings Embed(int count, PrepareInput prepare, CancellationToken cancellationToken)
    {
        int dimension = EmbeddingSize;
        var vectors = new float[(long)count * dimension];
        var norms = new float[count];
        var pixels = new float[(long)Math.Min(ChunkSize, count) * _pixelsPerImage];
        for (int start = 0; start < count; start += ChunkSize)
        {
            int n = Math.Min(ChunkSize, count - start);
            var errors = new Exception?[n];
            Parallel.For(0, n, new ParallelOptions { CancellationToken = cancellationToken }, j =>
            {
                try
                {
                    prepare(start + j, pixels.AsSpan(j * _pixelsPerImage, _pixelsPerImage));
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    errors[j] = e;
                }
            });

            // The error of the first bad input in input order (it names the input), whichever thread met it first.
            if (Array.Find(errors, e => e is not null) is { } first)
            {
                ExceptionDispatchInfo.Throw(first);
            }

            cancellationToken.ThrowIfCancellationRequested();
            FaceEmbeddings chunk = Model.Embed(pixels.AsSpan(0, n * _pixelsPerImage), n);
            chunk.Vectors.Span.CopyTo(vectors.AsSpan(start * dimension));
            chunk.Norms.Span.CopyTo(norms.AsSpan(start));
        }

        return new FaceEmbeddings(count, dimension, vectors, norms);
    }

    /// <summary>Writes input <c>index</c> as model pixels (3 x S x S floats, RGB planes, 0..255) into <c>target</c>.</summary>
    private delegate void PrepareInput(int index, Span<float> target);
}
