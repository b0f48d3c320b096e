using System.Buffers;
using KappaFace.MLNet.Onnx.Runtime;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace KappaFace.MLNet.Onnx;

/// <summary>
/// Computes face embeddings with an ONNX model that follows the KappaFace contract
/// (docs/onnx-model.md). Opening checks the file, the model card and the input/output contract and fails with an
/// <see cref="OnnxModelException"/> naming the file. Thread-safe: any number of threads may call
/// <c>Embed</c> at once on one instance; <see cref="Dispose"/> waits for running calls.
/// </summary>
public sealed class FaceEmbedder : IDisposable
{
    private static readonly string[] InputNames = [ModelContract.InputName];
    private static readonly string[] OutputNames = [ModelContract.EmbeddingName, ModelContract.EmbeddingNormName];

    private readonly InferenceSession _session;
    private readonly UsageGate _gate = new(nameof(FaceEmbedder));
    private readonly int _pixelsPerImage;

    private FaceEmbedder(InferenceSession session, ModelCard card, ProviderChoice provider, string source, int maxBatch, int inputSize, int embeddingSize)
    {
        _session = session;
        ModelCard = card;
        Provider = provider;
        Source = source;
        MaxBatch = maxBatch;
        InputSize = inputSize;
        EmbeddingSize = embeddingSize;
        _pixelsPerImage = ModelContract.Channels * inputSize * inputSize;
    }

    /// <summary>The model file path, or the source name given for bytes and streams.</summary>
    public string Source { get; }

    /// <summary>Input height and width H in pixels; each image is 3 x H x H floats.</summary>
    public int InputSize { get; }

    /// <summary>Embedding dimension D.</summary>
    public int EmbeddingSize { get; }

    /// <summary>Largest batch sent to ONNX Runtime in one run.</summary>
    public int MaxBatch { get; }

    /// <summary>The model card read from the file.</summary>
    public ModelCard ModelCard { get; }

    /// <summary>The verification threshold of the model card, or null when the model is not calibrated.</summary>
    public double? Threshold => ModelCard.VerificationThreshold;

    /// <summary>The execution provider requested and used (with the fallback reason, if any).</summary>
    public ProviderChoice Provider { get; }

    /// <summary>Opens a model file.</summary>
    /// <param name="modelPath">The .onnx file.</param>
    /// <param name="options">Options; defaults when null.</param>
    /// <returns>The embedder.</returns>
    /// <exception cref="OnnxModelException">The file is missing, truncated, not ONNX, breaks the contract or lacks card keys.</exception>
    /// <exception cref="ExecutionProviderException"><c>cuda</c> was requested and cannot be used.</exception>
    public static FaceEmbedder Open(string modelPath, FaceEmbedderOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelPath);
        options ??= new FaceEmbedderOptions();
        CheckOptions(options);
        var header = OnnxModelFile.ReadHeader(modelPath);
        var card = ModelCard.FromMetadata(header.Metadata, modelPath);
        var session = OnnxSessionFactory.Create(modelPath, options, out var provider);
        return Create(session, card, provider, modelPath, options);
    }

    /// <summary>Opens a serialised model.</summary>
    /// <param name="model">The model bytes.</param>
    /// <param name="options">Options; defaults when null.</param>
    /// <param name="sourceName">A name for messages; <c>&lt;bytes&gt;</c> when null.</param>
    /// <returns>The embedder.</returns>
    /// <exception cref="OnnxModelException">The bytes are truncated, not ONNX, break the contract or lack card keys.</exception>
    /// <exception cref="ExecutionProviderException"><c>cuda</c> was requested and cannot be used.</exception>
    public static FaceEmbedder Open(byte[] model, FaceEmbedderOptions? options = null, string? sourceName = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= new FaceEmbedderOptions();
        CheckOptions(options);
        var source = sourceName ?? "<bytes>";
        var header = OnnxModelFile.ReadHeader(model, source);
        var card = ModelCard.FromMetadata(header.Metadata, source);
        var session = OnnxSessionFactory.Create(model, source, options, out var provider);
        return Create(session, card, provider, source, options);
    }

    /// <summary>Opens a model read from a stream (read to its end; not disposed).</summary>
    /// <param name="stream">The stream.</param>
    /// <param name="options">Options; defaults when null.</param>
    /// <param name="sourceName">A name for messages; the file name of a <see cref="FileStream"/>, else <c>&lt;stream&gt;</c>.</param>
    /// <returns>The embedder.</returns>
    /// <exception cref="OnnxModelException">The data is truncated, not ONNX, breaks the contract or lacks card keys.</exception>
    /// <exception cref="ExecutionProviderException"><c>cuda</c> was requested and cannot be used.</exception>
    public static FaceEmbedder Open(Stream stream, FaceEmbedderOptions? options = null, string? sourceName = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var source = sourceName ?? (stream as FileStream)?.Name ?? "<stream>";
        using var buffer = new MemoryStream();
        try
        {
            stream.CopyTo(buffer);
        }
        catch (IOException ex)
        {
            throw new OnnxModelException(source, "the stream cannot be read: " + ex.Message, ex);
        }

        return Open(buffer.ToArray(), options, source);
    }

    /// <summary>
    /// Embeds <paramref name="count"/> images laid out as float32 <c>[count, 3, H, H]</c>: RGB planes,
    /// raw values 0..255 (what ML.NET's ExtractPixels gives with its defaults). Batches larger than
    /// <see cref="MaxBatch"/> are split.
    /// </summary>
    /// <param name="pixels">count x 3 x H x H values.</param>
    /// <param name="count">Number of images (0 gives an empty result).</param>
    /// <returns>The embeddings and norms.</returns>
    public FaceEmbeddings Embed(ReadOnlySpan<float> pixels, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if ((long)count * _pixelsPerImage != pixels.Length)
        {
            throw new ArgumentException(
                $"Expected {count} x 3 x {InputSize} x {InputSize} = {(long)count * _pixelsPerImage} values, got {pixels.Length}.",
                nameof(pixels));
        }

        var vectors = new float[count * EmbeddingSize];
        var norms = new float[count];
        using (_gate.Enter())
        {
            for (var start = 0; start < count; start += MaxBatch)
            {
                var n = Math.Min(MaxBatch, count - start);
                Run(
                    pixels.Slice(start * _pixelsPerImage, n * _pixelsPerImage),
                    n,
                    vectors.AsSpan(start * EmbeddingSize, n * EmbeddingSize),
                    norms.AsSpan(start, n));
            }
        }

        return new FaceEmbeddings(count, EmbeddingSize, vectors, norms);
    }

    /// <summary>Embeds images given one array each (3 x H x H values, RGB planes, 0..255).</summary>
    /// <param name="images">The images.</param>
    /// <returns>The embeddings and norms, in the same order.</returns>
    public FaceEmbeddings Embed(IReadOnlyList<float[]> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        for (var i = 0; i < images.Count; i++)
        {
            if (images[i] is null || images[i].Length != _pixelsPerImage)
            {
                throw new ArgumentException(
                    $"Image {i} has {images[i]?.Length ?? 0} values; expected 3 x {InputSize} x {InputSize} = {_pixelsPerImage}.",
                    nameof(images));
            }
        }

        var count = images.Count;
        var vectors = new float[count * EmbeddingSize];
        var norms = new float[count];
        var buffer = ArrayPool<float>.Shared.Rent(Math.Min(MaxBatch, Math.Max(count, 1)) * _pixelsPerImage);
        try
        {
            using (_gate.Enter())
            {
                for (var start = 0; start < count; start += MaxBatch)
                {
                    var n = Math.Min(MaxBatch, count - start);
                    for (var j = 0; j < n; j++)
                    {
                        images[start + j].CopyTo(buffer, j * _pixelsPerImage);
                    }

                    Run(
                        buffer.AsSpan(0, n * _pixelsPerImage),
                        n,
                        vectors.AsSpan(start * EmbeddingSize, n * EmbeddingSize),
                        norms.AsSpan(start, n));
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buffer);
        }

        return new FaceEmbeddings(count, EmbeddingSize, vectors, norms);
    }

    /// <summary>Releases the session after running calls have finished; later calls throw <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        if (_gate.Close())
        {
            _session.Dispose();
        }
    }

    private static FaceEmbedder Create(InferenceSession session, ModelCard card, ProviderChoice provider, string source, FaceEmbedderOptions options)
    {
        try
        {
            var (inputSize, embeddingSize) = EmbeddingModelContract.Check(session, card, source);
            return new FaceEmbedder(session, card, provider, source, options.MaxBatch, inputSize, embeddingSize);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    private static void CheckOptions(FaceEmbedderOptions options)
    {
        if (options.MaxBatch <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxBatch, "MaxBatch must be positive.");
        }
    }

    /// <summary>One ONNX Runtime run; ORT reads the pixels and writes the results in place (no copies).</summary>
    private unsafe void Run(ReadOnlySpan<float> pixels, int n, Span<float> vectors, Span<float> norms)
    {
        fixed (float* input = pixels)
        fixed (float* embedding = vectors)
        fixed (float* norm = norms)
        {
            var memory = OrtMemoryInfo.DefaultInstance;
            using var inputValue = OrtValue.CreateTensorValueWithData(
                memory, TensorElementType.Float, [n, ModelContract.Channels, InputSize, InputSize], (IntPtr)input, (long)pixels.Length * sizeof(float));
            using var embeddingValue = OrtValue.CreateTensorValueWithData(
                memory, TensorElementType.Float, [n, EmbeddingSize], (IntPtr)embedding, (long)vectors.Length * sizeof(float));
            using var normValue = OrtValue.CreateTensorValueWithData(
                memory, TensorElementType.Float, [n, 1], (IntPtr)norm, (long)norms.Length * sizeof(float));
            using var runOptions = new RunOptions();
            try
            {
                _session.Run(runOptions, InputNames, [inputValue], OutputNames, [embeddingValue, normValue]);
            }
            catch (OnnxRuntimeException ex)
            {
                throw new OnnxModelException(Source, $"ONNX Runtime failed to run a batch of {n}: {ex.Message}", ex);
            }
        }
    }
}
