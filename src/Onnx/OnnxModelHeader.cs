namespace KappaFace.MLNet.Onnx;

/// <summary>
/// The header of an ONNX file (IR version, producer, operator sets, metadata), read without the
/// weights and without an ONNX Runtime session. See <see cref="OnnxModelFile.ReadHeader(string)"/>.
/// </summary>
public sealed class OnnxModelHeader
{
    internal OnnxModelHeader(
        string source,
        long irVersion,
        string producerName,
        string producerVersion,
        IReadOnlyDictionary<string, long> opsets,
        IReadOnlyList<KeyValuePair<string, string>> metadata)
    {
        Source = source;
        IrVersion = irVersion;
        ProducerName = producerName;
        ProducerVersion = producerVersion;
        Opsets = opsets;
        Metadata = metadata;
    }

    /// <summary>The file path or source name the header was read from.</summary>
    public string Source { get; }

    /// <summary>The ONNX IR version of the file.</summary>
    public long IrVersion { get; }

    /// <summary>The producer name (may be empty).</summary>
    public string ProducerName { get; }

    /// <summary>The producer version (may be empty).</summary>
    public string ProducerVersion { get; }

    /// <summary>Imported operator sets: domain (empty string for the default ONNX domain) to version.</summary>
    public IReadOnlyDictionary<string, long> Opsets { get; }

    /// <summary>The default-domain opset version, or null when the model imports none.</summary>
    public long? DefaultOpset =>
        Opsets.TryGetValue(string.Empty, out var v) ? v
        : Opsets.TryGetValue("ai.onnx", out var w) ? w
        : null;

    /// <summary>The <c>metadata_props</c> entries in file order.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Metadata { get; }
}
