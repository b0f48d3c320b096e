namespace KappaFace.MLNet.Onnx;

/// <summary>
/// The requested ONNX Runtime execution provider cannot be used (for example <c>cuda</c> without
/// the CUDA 13 and cuDNN 9 libraries that ONNX Runtime 1.31's CUDA provider needs). The message says
/// what is missing.
/// </summary>
public sealed class ExecutionProviderException : Exception
{
    /// <summary>Creates the exception with a default message.</summary>
    public ExecutionProviderException()
        : base("The requested execution provider is not available.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What is missing.</param>
    public ExecutionProviderException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    /// <param name="message">What is missing.</param>
    /// <param name="innerException">The cause.</param>
    public ExecutionProviderException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
