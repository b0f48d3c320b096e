namespace KappaFace.MLNet.Onnx;

/// <summary>
/// A model file (or stream) cannot be used: it is missing, truncated, not ONNX, breaks the
/// embedding-model contract (input/output names, ranks, sizes) or lacks required model-card keys.
/// The message names the model and says what is wrong.
/// </summary>
public sealed class OnnxModelException : Exception
{
    /// <summary>Creates the exception with a plain message.</summary>
    public OnnxModelException()
        : base("The ONNX model cannot be used.")
    {
    }

    /// <summary>Creates the exception with a plain message.</summary>
    /// <param name="message">The full message.</param>
    public OnnxModelException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a plain message and its cause.</summary>
    /// <param name="message">The full message.</param>
    /// <param name="innerException">The cause.</param>
    public OnnxModelException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for one model and one problem.</summary>
    /// <param name="modelPath">The file path or a name for the source of the model (may be null).</param>
    /// <param name="problem">What is wrong, as a sentence fragment.</param>
    /// <param name="innerException">The cause, if any.</param>
    public OnnxModelException(string? modelPath, string problem, Exception? innerException = null)
        : base(Format(modelPath, problem), innerException)
    {
        ModelPath = modelPath;
        Problem = problem;
    }

    /// <summary>The file path (or source name) of the model, when known.</summary>
    public string? ModelPath { get; }

    /// <summary>What is wrong with the model, without the path.</summary>
    public string? Problem { get; }

    private static string Format(string? modelPath, string problem) =>
        modelPath is null ? $"ONNX model: {problem}" : $"ONNX model '{modelPath}': {problem}";
}
