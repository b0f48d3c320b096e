namespace KappaFace.MLNet.Trainer.Import;

/// <summary>
/// An ONNX graph cannot be turned into a TorchSharp module: a node uses an operator (or a setting of
/// one) the importer does not translate, or a tensor it needs is missing. The message names the node
/// and its operator.
/// </summary>
public sealed class OnnxImportException : Exception
{
    /// <summary>Creates the exception with a default message.</summary>
    public OnnxImportException()
        : base("The ONNX graph cannot be imported into TorchSharp.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What is wrong.</param>
    public OnnxImportException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    /// <param name="message">What is wrong.</param>
    /// <param name="innerException">The cause.</param>
    public OnnxImportException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for one node.</summary>
    /// <param name="nodeName">The node's name (may be empty).</param>
    /// <param name="operatorName">The node's operator.</param>
    /// <param name="problem">What is wrong, as a sentence fragment.</param>
    public OnnxImportException(string nodeName, string operatorName, string problem)
        : base($"Cannot import node '{nodeName}' ({operatorName}): {problem}")
    {
        NodeName = nodeName;
        OperatorName = operatorName;
    }

    /// <summary>Creates the exception for one node, with the cause.</summary>
    /// <param name="nodeName">The node's name (may be empty).</param>
    /// <param name="operatorName">The node's operator.</param>
    /// <param name="problem">What is wrong, as a sentence fragment.</param>
    /// <param name="innerException">The cause.</param>
    public OnnxImportException(string nodeName, string operatorName, string problem, Exception? innerException)
        : base($"Cannot import node '{nodeName}' ({operatorName}): {problem}", innerException)
    {
        NodeName = nodeName;
        OperatorName = operatorName;
    }

    /// <summary>The offending node's name, when known.</summary>
    public string? NodeName { get; }

    /// <summary>The offending node's operator, when known.</summary>
    public string? OperatorName { get; }
}
