using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.OnnxRuntime;

namespace KappaFace.MLNet.Onnx.Runtime;

/// <summary>
/// Creates ONNX Runtime sessions with the requested execution provider: <c>cpu</c>, <c>cuda[:ID]</c>
/// (an <see cref="ExecutionProviderException"/> saying what is missing when CUDA cannot be used), or
/// <c>auto</c> (CUDA when it loads, else CPU; the reason is logged and returned in
/// <see cref="ProviderChoice.FallbackReason"/>).
/// </summary>
public static class OnnxSessionFactory
{
    private const string CudaProviderName = "CUDAExecutionProvider";

    /// <summary>Creates a session for a model file.</summary>
    /// <param name="modelPath">The .onnx file.</param>
    /// <param name="options">Session options.</param>
    /// <param name="provider">What was requested and what is used.</param>
    /// <returns>The session (owned by the caller).</returns>
    /// <exception cref="OnnxModelException">ONNX Runtime cannot load the model.</exception>
    /// <exception cref="ExecutionProviderException"><c>cuda</c> was requested and cannot be used.</exception>
    public static InferenceSession Create(string modelPath, OnnxSessionOptions options, out ProviderChoice provider)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelPath);
        return Create(so => new InferenceSession(modelPath, so), modelPath, options, out provider);
    }

    /// <summary>Creates a session for a serialised model.</summary>
    /// <param name="model">The model bytes.</param>
    /// <param name="sourceName">A name for error messages.</param>
    /// <param name="options">Session options.</param>
    /// <param name="provider">What was requested and what is used.</param>
    /// <returns>The session (owned by the caller).</returns>
    /// <exception cref="OnnxModelException">ONNX Runtime cannot load the model.</exception>
    /// <exception cref="ExecutionProviderException"><c>cuda</c> was requested and cannot be used.</exception>
    public static InferenceSession Create(byte[] model, string sourceName, OnnxSessionOptions options, out ProviderChoice provider)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Create(so => new InferenceSession(model, so), sourceName, options, out provider);
    }

    /// <summary>
    /// Why CUDA cannot be used in this process, or null when its libraries are all present and this
    /// ONNX Runtime build has the CUDA provider (it may still fail to start a device).
    /// </summary>
    /// <returns>The reason, or null.</returns>
    public static string? CudaUnavailableReason()
    {
        if (!OrtEnv.Instance().GetAvailableProviders().Contains(CudaProviderName, StringComparer.Ordinal))
        {
            return "this ONNX Runtime build has no CUDA execution provider (reference Microsoft.ML.OnnxRuntime.Gpu)";
        }

        var missing = CudaRuntimeProbe.FindMissingLibraries();
        return missing.Count == 0 ? null : "missing " + string.Join(", ", missing);
    }

    private static InferenceSession Create(
        Func<SessionOptions, InferenceSession> open, string source, OnnxSessionOptions options, out ProviderChoice provider)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegative(options.IntraOpThreads);
        ArgumentOutOfRangeException.ThrowIfNegative(options.InterOpThreads);
        var spec = ExecutionProviderSpec.Parse(options.ExecutionProvider);
        string? reason = null;
        if (spec.Kind != ExecutionProviderKind.Cpu)
        {
            reason = CudaUnavailableReason();
            if (reason is null)
            {
                try
                {
                    using var cuda = NewSessionOptions(options);
                    cuda.AppendExecutionProvider_CUDA(spec.DeviceId);
                    var session = open(cuda);
                    provider = new ProviderChoice(spec.ToString(), "cuda:" + spec.DeviceId.ToString(CultureInfo.InvariantCulture), null);
                    return session;
                }
                catch (OnnxRuntimeException ex)
                {
                    reason = $"ONNX Runtime could not start CUDA device {spec.DeviceId}: {ex.Message}";
                }
            }

            if (spec.Kind == ExecutionProviderKind.Cuda)
            {
                throw new ExecutionProviderException(
                    $"Execution provider '{spec}' was requested for '{source}' but CUDA cannot be used: {reason}. " +
                    $"{CudaRuntimeProbe.Requirement}. Use 'cpu', or 'auto' to fall back to the CPU.");
            }

            var message = $"Execution provider 'auto' for '{source}': using the CPU because CUDA cannot be used: {reason}.";
            if (options.Log is { } log)
            {
                log(message);
            }
            else
            {
                Trace.TraceWarning(message);
            }
        }

        using var cpu = NewSessionOptions(options);
        try
        {
            var session = open(cpu);
            provider = new ProviderChoice(spec.ToString(), "cpu", reason);
            return session;
        }
        catch (OnnxRuntimeException ex)
        {
            throw new OnnxModelException(source, "ONNX Runtime cannot load it: " + ex.Message, ex);
        }
    }

    private static SessionOptions NewSessionOptions(OnnxSessionOptions options) => new()
    {
        GraphOptimizationLevel = options.OptimizationLevel,
        IntraOpNumThreads = options.IntraOpThreads,
        InterOpNumThreads = options.InterOpThreads,
        ExecutionMode = options.ParallelExecution ? ExecutionMode.ORT_PARALLEL : ExecutionMode.ORT_SEQUENTIAL,
        LogId = "KappaFace.MLNet",
    };
}
