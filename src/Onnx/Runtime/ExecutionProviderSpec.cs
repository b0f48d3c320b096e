using System.Globalization;

namespace KappaFace.MLNet.Onnx.Runtime;

/// <summary>The kinds of execution provider a user can ask for.</summary>
public enum ExecutionProviderKind
{
    /// <summary>ONNX Runtime's CPU provider.</summary>
    Cpu,

    /// <summary>ONNX Runtime's CUDA provider; fails if CUDA cannot be used.</summary>
    Cuda,

    /// <summary>CUDA when it loads, else CPU.</summary>
    Auto,
}

/// <summary>
/// A parsed execution-provider request: <c>cpu</c>, <c>cuda</c>, <c>cuda:ID</c>, <c>auto</c> or
/// <c>auto:ID</c> (CUDA device ID when it loads, else CPU; case-insensitive).
/// </summary>
/// <param name="Kind">The provider kind.</param>
/// <param name="DeviceId">CUDA device ID (0 unless given).</param>
public readonly record struct ExecutionProviderSpec(ExecutionProviderKind Kind, int DeviceId = 0)
{
    /// <summary>Parses a request.</summary>
    /// <param name="text">The request.</param>
    /// <returns>The spec.</returns>
    /// <exception cref="ArgumentException">The text is not one of the accepted forms.</exception>
    public static ExecutionProviderSpec Parse(string text) =>
        TryParse(text, out var spec)
            ? spec
            : throw new ArgumentException(
                $"Unknown execution provider '{text}': use cpu, cuda, cuda:ID (e.g. cuda:1), auto or auto:ID.", nameof(text));

    /// <summary>Parses a request.</summary>
    /// <param name="text">The request.</param>
    /// <param name="spec">The spec when the text is valid.</param>
    /// <returns>True when the text is valid.</returns>
    public static bool TryParse(string? text, out ExecutionProviderSpec spec)
    {
        spec = default;
        var t = text?.Trim().ToUpperInvariant();
        switch (t)
        {
            case "CPU":
                spec = new(ExecutionProviderKind.Cpu);
                return true;
            case "AUTO":
                spec = new(ExecutionProviderKind.Auto);
                return true;
            case "CUDA":
                spec = new(ExecutionProviderKind.Cuda);
                return true;
        }

        if (t is not null && t.StartsWith("CUDA:", StringComparison.Ordinal)
            && int.TryParse(t.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out var id))
        {
            spec = new(ExecutionProviderKind.Cuda, id);
            return true;
        }

        if (t is not null && t.StartsWith("AUTO:", StringComparison.Ordinal)
            && int.TryParse(t.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out var autoId))
        {
            spec = new(ExecutionProviderKind.Auto, autoId);
            return true;
        }

        return false;
    }

    /// <inheritdoc/>
    public override string ToString() => Kind switch
    {
        ExecutionProviderKind.Cpu => "cpu",
        ExecutionProviderKind.Auto => DeviceId == 0 ? "auto" : "auto:" + DeviceId.ToString(CultureInfo.InvariantCulture),
        _ => DeviceId == 0 ? "cuda" : "cuda:" + DeviceId.ToString(CultureInfo.InvariantCulture),
    };
}
