using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using KappaFace.MLNet.Data.Alignment;
using KappaFace.MLNet.Data.Detection;
using KappaFace.MLNet.Onnx;
using KappaFace.MLNet.Onnx.Graph;
using KappaFace.MLNet.Onnx.Proto;

namespace KappaFace.MLNet.Transforms.Alignment;

/// <summary>The detection and alignment settings that travel with a saved pipeline, beside the detector.</summary>
/// <param name="Size">Crop side S.</param>
/// <param name="MinScore">Score threshold.</param>
/// <param name="NmsThreshold">Non-maximum suppression IoU.</param>
/// <param name="MinimumDetectionSide">Upscale photos whose longer side is shorter.</param>
/// <param name="MaximumDetectionSide">Downscale photos whose longer side is longer.</param>
/// <param name="Faces">Best or Largest.</param>
/// <param name="OnNoFace">Fail or Flag.</param>
/// <param name="ExecutionProvider">cpu, cuda:ID or auto:ID (see <c>ExecutionProviderSpec</c>).</param>
/// <param name="DetectorSha256">Hex SHA-256 of the detector bytes: the cache key of its session.</param>
internal sealed record AlignmentSettings(
    int Size,
    float MinScore,
    float NmsThreshold,
    int MinimumDetectionSide,
    int MaximumDetectionSide,
    FaceSelection Faces,
    NoFaceRowPolicy OnNoFace,
    string ExecutionProvider,
    string DetectorSha256);

/// <summary>
/// How the detector and its settings travel inside a saved ML.NET model. A third-party assembly cannot
/// write saveable transformers (ML.NET's loader attributes are internal), and a <c>CustomMapping</c> saves
/// only its contract name, so the state goes into the one built-in transform that saves bytes:
/// <c>ApplyOnnxModel</c>. The carrier is a tiny ONNX graph whose only output, <see cref="OutputName"/>, is a
/// constant uint8 vector, the payload: <c>"KFDA"</c>, a little-endian int32 header length, the settings as
/// UTF-8 JSON, then the detector's ONNX bytes. Its input <see cref="InputName"/> (one float, ignored) is
/// there because <c>ApplyOnnxModel</c> needs an input column. The row mapper reads the payload of each row,
/// and opens the detector once per process and payload (<see cref="Open"/>, keyed by the header).
/// </summary>
internal static class DetectorPayload
{
    /// <summary>The carrier's input tensor: ApplyOnnxModel binds columns to tensors by name.</summary>
    public const string InputName = FaceAlignmentContract.TickColumn;

    /// <summary>The carrier's output tensor.</summary>
    public const string OutputName = FaceAlignmentContract.PayloadColumn;

    private const int HeaderStart = 8;
    private static readonly byte[] Magic = "KFDA"u8.ToArray();
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };
    private static readonly ConcurrentDictionary<string, Lazy<OpenDetector>> Detectors = new(StringComparer.Ordinal);

    /// <summary>The hex SHA-256 of detector bytes.</summary>
    public static string Hash(byte[] detector) => Convert.ToHexStringLower(SHA256.HashData(detector));

    /// <summary>The payload: magic, header length, settings JSON, detector bytes.</summary>
    public static byte[] Encode(AlignmentSettings settings, byte[] detector)
    {
        byte[] header = JsonSerializer.SerializeToUtf8Bytes(settings, Json);
        var payload = new byte[checked(HeaderStart + header.Length + detector.Length)];
        Magic.CopyTo(payload, 0);
        BinaryPrimitives.WriteInt32LittleEndian(payload.AsSpan(4), header.Length);
        header.CopyTo(payload, HeaderStart);
        detector.CopyTo(payload, HeaderStart + header.Length);
        return payload;
    }

    /// <summary>The carrier ONNX model whose output is <paramref name="payload"/>.</summary>
    public static byte[] CarrierModel(byte[] payload)
    {
        var b = new OnnxGraphBuilder("kappaface-detector-payload");
        b.AddInput(InputName, 1);
        var data = new TensorProto { Name = "payload_data", DataType = (int)TensorProto.Types.DataType.Uint8, RawData = ByteString.CopyFrom(payload) };
        data.Dims.Add(payload.Length);
        string constant = b.AddInitializer("payload_data", data);
        b.AddNode("Identity", [constant], OutputName);
        b.AddOutput(OutputName, payload.Length);
        ModelProto model = b.Build(LibraryInfo.ProducerName, LibraryInfo.Version);
        // The builder declares float32 outputs; this one is the payload's bytes.
        model.Graph.Output[0].Type.TensorType.ElemType = (int)TensorProto.Types.DataType.Uint8;
        return model.ToByteArray();
    }

    /// <summary>The settings and the (shared, thread-safe) detector of a payload, opened on first use in this process.</summary>
    /// <exception cref="InvalidOperationException">The bytes are not a payload written by <see cref="Encode"/>.</exception>
    public static OpenDetector Open(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < HeaderStart || !payload[..4].SequenceEqual(Magic))
        {
            throw new InvalidOperationException(
                $"DetectAndAlignFaces: the detector payload column holds {payload.Length.ToString(CultureInfo.InvariantCulture)} bytes "
                + "that are not a KappaFace detector payload; the saved model is damaged or was not made by DetectAndAlignFaces.");
        }

        int length = BinaryPrimitives.ReadInt32LittleEndian(payload[4..]);
        if (length <= 0 || length > payload.Length - HeaderStart)
        {
            throw new InvalidOperationException($"DetectAndAlignFaces: the detector payload's header length {length.ToString(CultureInfo.InvariantCulture)} is out of range.");
        }

        string header = Encoding.UTF8.GetString(payload.Slice(HeaderStart, length));
        if (Detectors.TryGetValue(header, out var known))
        {
            return known.Value;
        }

        byte[] detector = payload[(HeaderStart + length)..].ToArray();
        var opened = Detectors.GetOrAdd(header, h => new Lazy<OpenDetector>(() => OpenDetector.Create(h, detector)));
        try
        {
            return opened.Value;
        }
        catch
        {
            // A failed open (e.g. CUDA requested and missing) is not cached: the next row says why again.
            Detectors.TryRemove(new KeyValuePair<string, Lazy<OpenDetector>>(header, opened));
            throw;
        }
    }

    /// <summary>The settings read back from a header.</summary>
    public static AlignmentSettings ReadSettings(string header) =>
        JsonSerializer.Deserialize<AlignmentSettings>(header, Json)
        ?? throw new InvalidOperationException("DetectAndAlignFaces: the detector payload has an empty header.");

    /// <summary>The detector options the settings describe.</summary>
    public static FaceDetectorOptions DetectorOptions(AlignmentSettings settings) => new()
    {
        ExecutionProvider = settings.ExecutionProvider,
        MinScore = settings.MinScore,
        NmsThreshold = settings.NmsThreshold,
        MinimumDetectionSide = settings.MinimumDetectionSide,
        MaximumDetectionSide = settings.MaximumDetectionSide,
        // One photo per row: rows never share a run.
        MaxBatch = 1,
    };

    /// <summary>A payload's settings with its detector, open for the life of the process (shared by every row and pipeline using it).</summary>
    internal sealed record OpenDetector(AlignmentSettings Settings, FaceDetector Detector)
    {
        public static OpenDetector Create(string header, byte[] detector)
        {
            AlignmentSettings settings = ReadSettings(header);
            if (!string.Equals(Hash(detector), settings.DetectorSha256, StringComparison.Ordinal))
            {
                throw new InvalidOperationException("DetectAndAlignFaces: the detector bytes in the saved model do not match their recorded SHA-256; the model file is damaged.");
            }

            return new OpenDetector(settings, FaceDetector.Open(detector, DetectorOptions(settings), $"<detector {settings.DetectorSha256[..12]} in the ML.NET model>"));
        }
    }
}
