using Google.Protobuf;
using KappaFace.MLNet.Onnx.Proto;

namespace KappaFace.MLNet.Onnx.Graph;

/// <summary>Creates node attributes with the ONNX type discriminator set.</summary>
public static class OnnxAttr
{
    /// <summary>An INT attribute (e.g. <c>keepdims</c>, <c>group</c>, <c>axis</c>).</summary>
    /// <param name="name">Attribute name.</param>
    /// <param name="value">Value.</param>
    /// <returns>The attribute.</returns>
    public static AttributeProto OfInt(string name, long value) =>
        new() { Name = CheckName(name), Type = AttributeProto.Types.AttributeType.Int, I = value };

    /// <summary>An INTS attribute (e.g. <c>kernel_shape</c>, <c>pads</c>, <c>axes</c>).</summary>
    /// <param name="name">Attribute name.</param>
    /// <param name="values">Values.</param>
    /// <returns>The attribute.</returns>
    public static AttributeProto OfInts(string name, params ReadOnlySpan<long> values)
    {
        var a = new AttributeProto { Name = CheckName(name), Type = AttributeProto.Types.AttributeType.Ints };
        foreach (var v in values)
        {
            a.Ints.Add(v);
        }

        return a;
    }

    /// <summary>A FLOAT attribute (e.g. <c>epsilon</c>, <c>alpha</c>).</summary>
    /// <param name="name">Attribute name.</param>
    /// <param name="value">Value.</param>
    /// <returns>The attribute.</returns>
    public static AttributeProto OfFloat(string name, float value) =>
        new() { Name = CheckName(name), Type = AttributeProto.Types.AttributeType.Float, F = value };

    /// <summary>A FLOATS attribute.</summary>
    /// <param name="name">Attribute name.</param>
    /// <param name="values">Values.</param>
    /// <returns>The attribute.</returns>
    public static AttributeProto OfFloats(string name, params ReadOnlySpan<float> values)
    {
        var a = new AttributeProto { Name = CheckName(name), Type = AttributeProto.Types.AttributeType.Floats };
        foreach (var v in values)
        {
            a.Floats.Add(v);
        }

        return a;
    }

    /// <summary>A STRING attribute (UTF-8), e.g. <c>auto_pad</c>.</summary>
    /// <param name="name">Attribute name.</param>
    /// <param name="value">Value.</param>
    /// <returns>The attribute.</returns>
    public static AttributeProto OfString(string name, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return new() { Name = CheckName(name), Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };
    }

    private static string CheckName(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return name;
    }
}
