namespace KappaFace.MLNet.Trainer.Export;

/// <summary>
/// A backbone cannot be exported to ONNX: one of its layers is of a type (or has a setting) the
/// exporter does not translate. The message names the layer by its module path (e.g.
/// <c>layer3.0.conv2</c>) and type, so the user can see which part of a custom network is the problem.
/// </summary>
public sealed class OnnxExportException : Exception
{
    /// <summary>Creates the exception with a default message.</summary>
    public OnnxExportException()
        : base("The backbone cannot be exported to ONNX.")
    {
    }

    /// <summary>Creates the exception with a plain message.</summary>
    /// <param name="message">The full message.</param>
    public OnnxExportException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a plain message and its cause.</summary>
    /// <param name="message">The full message.</param>
    /// <param name="innerException">The cause.</param>
    public OnnxExportException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for one layer.</summary>
    /// <param name="layerPath">The layer's module path, e.g. <c>layer3.0.conv2</c> (empty for the backbone itself).</param>
    /// <param name="layerType">The layer's type name, e.g. <c>MaxPool2d</c>.</param>
    /// <param name="problem">What is wrong, as a sentence fragment.</param>
    public OnnxExportException(string layerPath, string layerType, string problem)
        : base($"Cannot export layer '{Display(layerPath)}' ({layerType}) to ONNX: {problem}")
    {
        LayerPath = layerPath;
        LayerType = layerType;
    }

    /// <summary>The module path of the offending layer (empty for the backbone itself), when known.</summary>
    public string? LayerPath { get; }

    /// <summary>The type name of the offending layer, when known.</summary>
    public string? LayerType { get; }

    private static string Display(string path) => path.Length == 0 ? "<backbone>" : path;
}
