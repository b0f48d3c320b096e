using Google.Protobuf;
using KappaFace.MLNet.Onnx.Proto;

namespace KappaFace.MLNet.Onnx;

/// <summary>
/// Reads and writes ONNX model files with this library's own protobuf schema subset: full models,
/// cheap headers (metadata without weights), and atomic saves. Errors are
/// <see cref="OnnxModelException"/>s naming the file.
/// </summary>
public static class OnnxModelFile
{
    private static readonly MessageParser<ModelHeaderProto> HeaderParser =
        ModelHeaderProto.Parser.WithDiscardUnknownFields(true);

    /// <summary>Parses a whole model file (graph and weights included).</summary>
    /// <param name="path">The .onnx file.</param>
    /// <returns>The model; fields this schema subset does not declare are kept as unknown fields.</returns>
    /// <exception cref="OnnxModelException">The file is missing, unreadable, truncated or not ONNX.</exception>
    public static ModelProto Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = OpenRead(path);
        var model = ParseOrThrow(() => ModelProto.Parser.ParseFrom(stream), path);
        EnsureOnnx(path, model.IrVersion, model.Graph is not null, model.OpsetImport.Count);
        return model;
    }

    /// <summary>The bytes of a model file, for callers that parse and also hash or keep them (read once).</summary>
    /// <param name="path">The .onnx file.</param>
    /// <returns>The file's bytes.</returns>
    /// <exception cref="OnnxModelException">The file is missing or unreadable.</exception>
    public static byte[] ReadAllBytes(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = OpenRead(path);
        var bytes = new byte[stream.Length];
        try
        {
            stream.ReadExactly(bytes);
        }
        catch (IOException ex)
        {
            throw new OnnxModelException(path, "the file cannot be read: " + ex.Message, ex);
        }

        return bytes;
    }

    /// <summary>Parses a whole model from bytes.</summary>
    /// <param name="bytes">The serialised ModelProto.</param>
    /// <param name="sourceName">A name for the source, used in error messages.</param>
    /// <returns>The model.</returns>
    /// <exception cref="OnnxModelException">The bytes are truncated or not ONNX.</exception>
    public static ModelProto Parse(byte[] bytes, string? sourceName = null)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        var source = sourceName ?? "<bytes>";
        var model = ParseOrThrow(() => ModelProto.Parser.ParseFrom(bytes), source);
        EnsureOnnx(source, model.IrVersion, model.Graph is not null, model.OpsetImport.Count);
        return model;
    }

    /// <summary>
    /// Reads the header and metadata of a model file, skipping nodes and weights (no ONNX Runtime
    /// session is created). The whole file is still scanned, so truncation is detected.
    /// </summary>
    /// <param name="path">The .onnx file.</param>
    /// <returns>The header.</returns>
    /// <exception cref="OnnxModelException">The file is missing, unreadable, truncated or not ONNX.</exception>
    public static OnnxModelHeader ReadHeader(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = OpenRead(path);
        var header = ParseOrThrow(() => HeaderParser.ParseFrom(stream), path);
        return ToHeader(header, path);
    }

    /// <summary>Reads the header and metadata of a serialised model, skipping nodes and weights.</summary>
    /// <param name="bytes">The serialised ModelProto.</param>
    /// <param name="sourceName">A name for the source, used in error messages.</param>
    /// <returns>The header.</returns>
    /// <exception cref="OnnxModelException">The bytes are truncated or not ONNX.</exception>
    public static OnnxModelHeader ReadHeader(byte[] bytes, string? sourceName = null)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        var source = sourceName ?? "<bytes>";
        var header = ParseOrThrow(() => HeaderParser.ParseFrom(bytes), source);
        return ToHeader(header, source);
    }

    /// <summary>
    /// Writes a model atomically: the bytes go to a temporary file in the target folder, are flushed
    /// to disk, and the file is then renamed over <paramref name="path"/>. Readers never see a
    /// half-written model; on failure the temporary file is removed and the old file is untouched.
    /// </summary>
    /// <param name="model">The model to write.</param>
    /// <param name="path">The destination file; its folder is created if needed.</param>
    public static void Save(ModelProto model, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        AtomicFile.Write(path, model.WriteTo);
    }

    private static FileStream OpenRead(string path)
    {
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        }
        catch (FileNotFoundException ex)
        {
            throw new OnnxModelException(path, "the file does not exist", ex);
        }
        catch (DirectoryNotFoundException ex)
        {
            throw new OnnxModelException(path, "the file does not exist", ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new OnnxModelException(path, "the file cannot be read: " + ex.Message, ex);
        }
        catch (IOException ex)
        {
            throw new OnnxModelException(path, "the file cannot be read: " + ex.Message, ex);
        }
    }

    private static T ParseOrThrow<T>(Func<T> parse, string source)
    {
        try
        {
            return parse();
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new OnnxModelException(
                source, "the file is truncated or is not an ONNX protobuf file (" + ex.Message + ")", ex);
        }
        catch (IOException ex)
        {
            throw new OnnxModelException(source, "the file cannot be read: " + ex.Message, ex);
        }
    }

    private static OnnxModelHeader ToHeader(ModelHeaderProto header, string source)
    {
        EnsureOnnx(source, header.IrVersion, header.Graph is not null, header.OpsetImport.Count);
        var opsets = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var opset in header.OpsetImport)
        {
            opsets[opset.Domain] = opset.Version;
        }

        var metadata = header.MetadataProps
            .Select(p => new KeyValuePair<string, string>(p.Key, p.Value))
            .ToArray();
        return new OnnxModelHeader(source, header.IrVersion, header.ProducerName, header.ProducerVersion, opsets, metadata);
    }

    private static void EnsureOnnx(string source, long irVersion, bool hasGraph, int opsetCount)
    {
        var missing = new List<string>();
        if (irVersion <= 0)
        {
            missing.Add("ir_version");
        }

        if (!hasGraph)
        {
            missing.Add("graph");
        }

        if (opsetCount == 0)
        {
            missing.Add("opset_import");
        }

        if (missing.Count > 0)
        {
            throw new OnnxModelException(
                source, "the file is not an ONNX model: it has no " + string.Join(", no ", missing));
        }
    }
}
