using System.Runtime.ExceptionServices;
using KappaFace.MLNet.Data.Alignment;
using KappaFace.MLNet.Data.Detection;
using KappaFace.MLNet.Onnx;

namespace KappaFace.MLNet.Data.Embedding;

/// <summary>
/// The <see cref="IFaceEmbedder"/> of an ONNX embedding model run by ONNX Runtime (<see cref="FaceEmbedder"/>).
/// Without a detector every input is a face crop, decoded and resized with the training loader's rules
/// (<see cref="FaceImageFile"/>), so a file embeds exactly as it trained. With a detector every input is a
/// photo: its chosen face is found and aligned to the model input first (<see cref="PhotoAligner"/>, under the
/// face selection and policies of <see cref="PhotoOptions"/>; <see cref="EmbedPhotos"/> reports the photos skipped).
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
    /// <param name="detector">Given, inputs are photos whose chosen face is aligned first; the caller keeps owning it.</param>
    /// <param name="photoOptions">Face selection and policies for photos (their size is the model input's); defaults when null.</param>
    public FaceImageEmbedder(FaceEmbedder model, FaceDetector? detector = null, FolderAlignmentOptions? photoOptions = null)
        : this(model, detector, photoOptions, ownsModel: false)
    {
    }

    private FaceImageEmbedder(FaceEmbedder model, FaceDetector? detector, FolderAlignmentOptions? photoOptions, bool ownsModel)
    {
        ArgumentNullException.ThrowIfNull(model);
        Model = model;
        Detector = detector;
        PhotoOptions = (photoOptions ?? new FolderAlignmentOptions()) with { Size = model.InputSize };
        _ownsModel = ownsModel;
        _pixelsPerImage = ModelContract.Channels * model.InputSize * model.InputSize;
    }

    /// <summary>The embedding model (model card, execution provider).</summary>
    public FaceEmbedder Model { get; }

    /// <summary>The face detector that aligns photos, or null when inputs are face crops.</summary>
    public FaceDetector? Detector { get; }

    /// <summary>How photos are aligned with <see cref="Detector"/>: face selection and policies, at the model input size.</summary>
    public FolderAlignmentOptions PhotoOptions { get; }

    /// <inheritdoc/>
    public int InputSize => Model.InputSize;

    /// <inheritdoc/>
    public int EmbeddingSize => Model.EmbeddingSize;

    /// <inheritdoc/>
    public double? Threshold => Model.Threshold;

    /// <summary>Opens a model file; the embedder owns the model and disposes it.</summary>
    /// <param name="modelPath">The .onnx file.</param>
    /// <param name="options">Session and batching options; defaults when null.</param>
    /// <param name="detector">Given, inputs are photos whose chosen face is aligned first; the caller keeps owning it.</param>
    /// <param name="photoOptions">Face selection and policies for photos (their size is the model input's); defaults when null.</param>
    /// <exception cref="OnnxModelException">The file is missing, not ONNX or breaks the embedding contract.</exception>
    /// <exception cref="ExecutionProviderException"><c>cuda</c> was requested and cannot be used.</exception>
    public static FaceImageEmbedder Open(string modelPath, FaceEmbedderOptions? options = null, FaceDetector? detector = null, FolderAlignmentOptions? photoOptions = null) =>
        new(FaceEmbedder.Open(modelPath, options), detector, photoOptions, ownsModel: true);

    /// <inheritdoc/>
    /// <remarks>With a detector, a photo skipped under the <see cref="PhotoOptions"/> policies is an error here (one row per file is promised); <see cref="EmbedPhotos"/> reports it instead.</remarks>
    public FaceEmbeddings Embed(IReadOnlyList<string> imageFiles, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(imageFiles);
        if (Detector is not null)
        {
            PhotoEmbeddings photos = EmbedPhotos(imageFiles, cancellationToken);
            return photos.Skipped.Count == 0
                ? photos.Embeddings
                : throw new FaceDataException(photos.Skipped[0].Path, photos.Skipped[0].Reason);
        }

        return Embed(imageFiles.Count, (i, target) => Widen(FaceImageFile.Decode(imageFiles[i], InputSize), target), cancellationToken);
    }

    /// <summary>
    /// Embeds photo files: each photo's chosen face is aligned to the model input (<see cref="PhotoFaces.Crops"/>,
    /// detected in batches) under <see cref="PhotoOptions"/>; photos skipped by its policies have a zero row.
    /// </summary>
    /// <param name="photoFiles">The photo files (also their names in reports).</param>
    /// <param name="cancellationToken">Stops the work between batches.</param>
    /// <returns>One row per file, which rows hold an embedding, and the photos skipped and faces dropped.</returns>
    /// <exception cref="InvalidOperationException">The embedder has no detector.</exception>
    /// <exception cref="FaceDataException">Under a Fail policy, the first bad file or photo without a usable face.</exception>
    public PhotoEmbeddings EmbedPhotos(IReadOnlyList<string> photoFiles, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(photoFiles);
        FaceDetector detector = Detector ?? throw new InvalidOperationException("This embedder has no detector: its inputs are face crops.");
        int count = photoFiles.Count;
        int dimension = EmbeddingSize;
        var vectors = new float[(long)count * dimension];
        var norms = new float[count];
        var embedded = new bool[count];
        var skipped = new List<SkippedPhoto>();
        var dropped = new List<DroppedFace>();
        var pixels = new float[(long)Math.Min(ChunkSize, count) * _pixelsPerImage];
        for (int start = 0; start < count; start += ChunkSize)
        {
            int n = Math.Min(ChunkSize, count - start);
            var aligned = PhotoFaces.Crops(detector, [.. photoFiles.Skip(start).Take(n)], PhotoOptions, cancellationToken);
            var rows = new List<int>(n);
            for (int j = 0; j < n; j++)
            {
                dropped.AddRange(aligned[j].Dropped);
                if (aligned[j].Skipped is { } skip)
                {
                    skipped.Add(skip);
                    continue;
                }

                aligned[j].Faces[0].Crop.WritePlanes(pixels.AsSpan(rows.Count * _pixelsPerImage, _pixelsPerImage));
                rows.Add(j);
            }

            cancellationToken.ThrowIfCancellationRequested();
            if (rows.Count == 0)
            {
                continue;
            }

            FaceEmbeddings chunk = Model.Embed(pixels.AsSpan(0, rows.Count * _pixelsPerImage), rows.Count);
            for (int r = 0; r < rows.Count; r++)
            {
                int i = start + rows[r];
                chunk.GetEmbedding(r).CopyTo(vectors.AsSpan(i * dimension, dimension));
                norms[i] = chunk.Norms.Span[r];
                embedded[i] = true;
            }
        }

        return new PhotoEmbeddings(new FaceEmbeddings(count, dimension, vectors, norms), embedded, skipped, dropped);
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
                AlignedFace(detector, PhotoDecoder.Decode(name, encoded).Image, name).WritePlanes(target);
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
                AlignedFace(detector, image, $"image {i}").WritePlanes(target);
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

    // The chosen face of one decoded photo; a photo without one is an error (one row per input is promised).
    private RgbImage AlignedFace(FaceDetector detector, RgbImage photo, string name) =>
        PhotoAligner.Align(detector, [photo], [name], PhotoOptions with { OnNoFace = NoFacePolicy.Fail })[0].Faces[0].Crop;

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
