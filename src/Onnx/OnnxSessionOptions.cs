using Microsoft.ML.OnnxRuntime;

namespace KappaFace.MLNet.Onnx;

/// <summary>
/// How an ONNX Runtime session is created: execution provider, threads, graph optimisation, and
/// where provider messages go. Defaults suit a shared CPU machine and use CUDA when it loads.
/// </summary>
public class OnnxSessionOptions
{
    /// <summary>
    /// The execution provider: <c>cpu</c>; <c>cuda</c> or <c>cuda:ID</c> (CUDA device ID, 0 by
    /// default; fails with <see cref="ExecutionProviderException"/> when CUDA cannot be used); or
    /// <c>auto</c> or <c>auto:ID</c> (CUDA device 0 or ID when it loads, else CPU with the reason logged).
    /// Default: <c>auto</c>.
    /// </summary>
    public string ExecutionProvider { get; set; } = "auto";

    /// <summary>
    /// Threads used inside one operator (ONNX Runtime <c>intra_op_num_threads</c>). 0 (default) lets
    /// ONNX Runtime choose (one per physical core).
    /// </summary>
    public int IntraOpThreads { get; set; }

    /// <summary>
    /// Threads used to run independent operators in parallel (ONNX Runtime
    /// <c>inter_op_num_threads</c>); only used with <see cref="ParallelExecution"/>. 0 (default) lets
    /// ONNX Runtime choose.
    /// </summary>
    public int InterOpThreads { get; set; }

    /// <summary>Run independent branches of the graph in parallel. Default: false (sequential).</summary>
    public bool ParallelExecution { get; set; }

    /// <summary>Graph optimisation level. Default: <see cref="GraphOptimizationLevel.ORT_ENABLE_ALL"/>.</summary>
    public GraphOptimizationLevel OptimizationLevel { get; set; } = GraphOptimizationLevel.ORT_ENABLE_ALL;

    /// <summary>
    /// Receives provider decisions (e.g. why <c>auto</c> fell back to CPU). Default: null, which writes
    /// them to <see cref="System.Diagnostics.Trace"/> as warnings.
    /// </summary>
    public Action<string>? Log { get; set; }
}
