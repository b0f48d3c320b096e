using System.Globalization;

namespace KappaFace.MLNet.Onnx.Graph;

/// <summary>
/// One dimension of a graph input or output: a fixed size, or a named dynamic dimension such as
/// <c>"batch"</c>. Converts implicitly from <see cref="long"/> and <see cref="string"/>, so shapes read
/// <c>b.AddInput("input", "batch", 3, 112, 112)</c>.
/// </summary>
public readonly record struct TensorDim
{
    private TensorDim(long? size, string? name)
    {
        Size = size;
        Name = name;
    }

    /// <summary>The fixed size, or null for a named dimension.</summary>
    public long? Size { get; }

    /// <summary>The symbolic name, or null for a fixed dimension.</summary>
    public string? Name { get; }

    /// <summary>True when this is a named (dynamic) dimension.</summary>
    public bool IsNamed => Name is not null;

    /// <summary>A fixed dimension.</summary>
    /// <param name="size">The size (positive).</param>
    /// <returns>The dimension.</returns>
    public static TensorDim Fixed(long size)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        return new TensorDim(size, null);
    }

    /// <summary>A named dynamic dimension.</summary>
    /// <param name="name">The symbol, e.g. <c>"batch"</c>.</param>
    /// <returns>The dimension.</returns>
    public static TensorDim Named(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return new TensorDim(null, name);
    }

    /// <summary>Same as <see cref="Fixed"/>.</summary>
    /// <param name="size">The size.</param>
    /// <returns>The dimension.</returns>
    public static TensorDim FromInt64(long size) => Fixed(size);

    /// <summary>Same as <see cref="Named"/>.</summary>
    /// <param name="name">The symbol.</param>
    /// <returns>The dimension.</returns>
    public static TensorDim FromString(string name) => Named(name);

    /// <summary>A fixed dimension.</summary>
    /// <param name="size">The size.</param>
    public static implicit operator TensorDim(long size) => Fixed(size);

    /// <summary>A named dimension.</summary>
    /// <param name="name">The symbol.</param>
    public static implicit operator TensorDim(string name) => Named(name);

    /// <inheritdoc/>
    public override string ToString() => Name ?? Size?.ToString(CultureInfo.InvariantCulture) ?? "?";
}
