namespace KappaFace.MLNet.Benchmarks.PeerComparison;

/// <summary>One side of the comparison: a framework with its process settings.</summary>
internal interface IContender
{
    /// <summary>Short column name, e.g. <c>ours</c> or <c>pytorch</c>.</summary>
    string Name { get; }

    /// <summary>How it runs: framework, allocator and BLAS settings.</summary>
    string Description { get; }

    /// <summary>Best float32 n x n x n matmul speed in GFLOP/s with the benchmark's thread count.</summary>
    double MatmulGflops();

    /// <summary>Times the training steps of one backbone.</summary>
    StepTimes Train(string backbone);
}
