namespace KappaFace.MLNet.Onnx.Graph;

/// <summary>
/// A graph being built is not well formed: a node reads a tensor nothing produced before it, a
/// tensor name is defined twice, or a graph output is never produced. The message names the node
/// and the tensor.
/// </summary>
public sealed class OnnxGraphException : Exception
{
    /// <summary>Creates the exception with a default message.</summary>
    public OnnxGraphException()
        : base("The ONNX graph is not well formed.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What is wrong.</param>
    public OnnxGraphException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    /// <param name="message">What is wrong.</param>
    /// <param name="innerException">The cause.</param>
    public OnnxGraphException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
