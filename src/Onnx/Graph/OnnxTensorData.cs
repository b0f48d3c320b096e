using System.Runtime.InteropServices;
using KappaFace.MLNet.Onnx.Proto;

namespace KappaFace.MLNet.Onnx.Graph;

/// <summary>
/// Reads the values of an ONNX tensor (an initialiser or a Constant's value), whichever of the two
/// encodings the writer chose: little-endian <c>raw_data</c> or the typed repeated fields.
/// </summary>
public static class OnnxTensorData
{
    /// <summary>The values as float32 (float, double, float16-free integer types converted).</summary>
    /// <param name="tensor">The tensor.</param>
    /// <returns>The values in row-major order.</returns>
    /// <exception cref="OnnxGraphException">The element type is not numeric or the data is external.</exception>
    public static float[] Floats(TensorProto tensor) => Type(tensor) switch
    {
        TensorProto.Types.DataType.Float => tensor.RawData.IsEmpty ? [.. tensor.FloatData] : Raw<float>(tensor),
        TensorProto.Types.DataType.Double => Array.ConvertAll(Doubles(tensor), v => (float)v),
        _ => Array.ConvertAll(Int64s(tensor), v => (float)v),
    };

    /// <summary>The values as int64 (integer types widened).</summary>
    /// <param name="tensor">The tensor.</param>
    /// <returns>The values in row-major order.</returns>
    /// <exception cref="OnnxGraphException">The element type is not an integer type or the data is external.</exception>
    public static long[] Int64s(TensorProto tensor) => Type(tensor) switch
    {
        TensorProto.Types.DataType.Int64 => tensor.RawData.IsEmpty ? [.. tensor.Int64Data] : Raw<long>(tensor),
        TensorProto.Types.DataType.Int32 => tensor.RawData.IsEmpty
            ? [.. tensor.Int32Data.Select(v => (long)v)]
            : Array.ConvertAll(Raw<int>(tensor), v => (long)v),
        var other => throw new OnnxGraphException($"Tensor '{tensor.Name}' holds {other}, not integers."),
    };

    private static double[] Doubles(TensorProto tensor) =>
        tensor.RawData.IsEmpty ? [.. tensor.DoubleData] : Raw<double>(tensor);

    private static TensorProto.Types.DataType Type(TensorProto tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (tensor.DataLocation == TensorProto.Types.DataLocation.External || tensor.ExternalData.Count > 0)
        {
            throw new OnnxGraphException($"Tensor '{tensor.Name}' keeps its data in an external file, which is not supported.");
        }

        return (TensorProto.Types.DataType)tensor.DataType;
    }

    private static T[] Raw<T>(TensorProto tensor)
        where T : unmanaged
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("ONNX raw_data is little-endian; big-endian hosts are not supported.");
        }

        var bytes = tensor.RawData.Span;
        if (bytes.Length % Marshal.SizeOf<T>() != 0)
        {
            throw new OnnxGraphException($"Tensor '{tensor.Name}' has {bytes.Length} bytes of raw data, not a whole number of {typeof(T).Name} values.");
        }

        return MemoryMarshal.Cast<byte, T>(bytes).ToArray();
    }
}
