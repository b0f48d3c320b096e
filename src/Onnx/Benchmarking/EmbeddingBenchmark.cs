using System.Diagnostics;

namespace KappaFace.MLNet.Onnx.Benchmarking;

/// <summary>
/// Measures embedding throughput and batch latency of any model with the embedding contract, through
/// <see cref="FaceEmbedder"/>: the same session settings and run path users get. The pixels are a fixed
/// pseudo-random batch (0..255), so the timing does not include image decoding.
/// </summary>
public static class EmbeddingBenchmark
{
    /// <summary>Opens <paramref name="modelPath"/> and times batches until the options' duration has passed.</summary>
    /// <param name="modelPath">The .onnx model.</param>
    /// <param name="options">Batch, duration, threads; defaults when null.</param>
    /// <param name="progress">Receives the result so far after each timed batch.</param>
    /// <param name="cancellationToken">Stops between batches.</param>
    /// <returns>The measurement.</returns>
    /// <exception cref="OnnxModelException">The file is missing, not ONNX, or breaks the embedding contract.</exception>
    public static EmbeddingBenchmarkResult Run(
        string modelPath, EmbeddingBenchmarkOptions? options = null, IProgress<EmbeddingBenchmarkResult>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelPath);
        options ??= new EmbeddingBenchmarkOptions();
        Validate(options);
        using var embedder = FaceEmbedder.Open(modelPath, new FaceEmbedderOptions
        {
            ExecutionProvider = options.ExecutionProvider,
            IntraOpThreads = options.Threads,
            MaxBatch = options.Batch,
        });
        return Run(embedder, options, progress, cancellationToken);
    }

    /// <summary>Times batches on an open embedder (its own session options apply; the options' batch and duration are used).</summary>
    /// <param name="embedder">The embedder.</param>
    /// <param name="options">Batch and duration; defaults when null.</param>
    /// <param name="progress">Receives the result so far after each timed batch.</param>
    /// <param name="cancellationToken">Stops between batches.</param>
    /// <returns>The measurement.</returns>
    public static EmbeddingBenchmarkResult Run(
        FaceEmbedder embedder, EmbeddingBenchmarkOptions? options = null, IProgress<EmbeddingBenchmarkResult>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(embedder);
        options ??= new EmbeddingBenchmarkOptions();
        Validate(options);
        var pixels = SyntheticPixels(options.Batch * ModelContract.Channels * embedder.InputSize * embedder.InputSize);
        for (int i = 0; i < options.WarmupBatches; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            embedder.Embed(pixels, options.Batch);
        }

        var latencies = new List<double>();
        double seconds = 0;
        while (latencies.Count < options.MinimumBatches || seconds < options.Duration.TotalSeconds)
        {
            cancellationToken.ThrowIfCancellationRequested();
            long start = Stopwatch.GetTimestamp();
            embedder.Embed(pixels, options.Batch);
            var elapsed = Stopwatch.GetElapsedTime(start);
            latencies.Add(elapsed.TotalMilliseconds);
            seconds += elapsed.TotalSeconds;
            progress?.Report(Result(embedder, options, latencies, seconds));
        }

        return Result(embedder, options, latencies, seconds);
    }

    private static EmbeddingBenchmarkResult Result(FaceEmbedder embedder, EmbeddingBenchmarkOptions options, List<double> latencies, double seconds) =>
        new(embedder.Source, options.Batch, options.Threads, embedder.Provider.Used, latencies.Count, seconds, latencies.ToArray());

    private static void Validate(EmbeddingBenchmarkOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.Batch, "batch");
        ArgumentOutOfRangeException.ThrowIfNegative(options.Threads, "threads");
        ArgumentOutOfRangeException.ThrowIfNegative(options.WarmupBatches, "warmup batches");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MinimumBatches, "minimum batches");
        if (options.Duration < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Duration.TotalSeconds, "The duration must not be negative.");
        }
    }

    /// <summary>A fixed, seeded batch of pixel values in 0..255 (whole numbers, as decoded images give).</summary>
    private static float[] SyntheticPixels(int count)
    {
        var random = new Random(12345);
        var pixels = new float[count];
        for (int i = 0; i < pixels.Length; i++)
        {
            pixels[i] = random.Next(256);
        }

        return pixels;
    }
}
