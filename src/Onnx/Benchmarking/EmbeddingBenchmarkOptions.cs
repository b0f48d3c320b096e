namespace KappaFace.MLNet.Onnx.Benchmarking;

/// <summary>What <see cref="EmbeddingBenchmark"/> measures and for how long.</summary>
public sealed record EmbeddingBenchmarkOptions
{
    /// <summary>Images per ONNX Runtime run. Default: 32.</summary>
    public int Batch { get; init; } = 32;

    /// <summary>
    /// Measuring time after the warm-up. The run ends at the first batch finishing after it, and never
    /// before <see cref="MinimumBatches"/> batches. Default: 5 seconds.
    /// </summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Batches timed at least, however slow the model. Default: 3.</summary>
    public int MinimumBatches { get; init; } = 3;

    /// <summary>
    /// Untimed batches run first: the first run of a session allocates its buffers and picks kernels.
    /// Default: 1.
    /// </summary>
    public int WarmupBatches { get; init; } = 1;

    /// <summary>ONNX Runtime intra-op threads; 0 (default) lets ONNX Runtime choose one per physical core.</summary>
    public int Threads { get; init; }

    /// <summary>Execution provider, as in <see cref="OnnxSessionOptions.ExecutionProvider"/>. Default: <c>cpu</c>.</summary>
    public string ExecutionProvider { get; init; } = "cpu";
}
