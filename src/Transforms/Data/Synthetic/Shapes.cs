using System.Runtime.CompilerServices;

namespace KappaFace.MLNet.Transforms.Data.Synthetic;

/// <summary>
/// Anti-aliased coverage (0..1) of simple shapes, from approximate signed distances in face units
/// (negative inside). Soft edges keep features visible, without jaggies, down to 16-pixel images.
/// </summary>
internal static class Shapes
{
    /// <summary>Coverage of a pixel whose centre lies at signed distance <paramref name="distance"/>
    /// from an edge, for a pixel (or blur) width <paramref name="edge"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Coverage(float distance, float edge) => Clamp01(0.5f - (distance / edge));

    /// <summary>Clamps to [0, 1] (without <see cref="Math.Clamp(float, float, float)"/>'s argument check, which
    /// keeps it from being inlined in this per-pixel code).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Clamp01(float value) => MathF.Min(MathF.Max(value, 0f), 1f);

    /// <summary>Coverage of an axis-aligned ellipse centred at the origin, at point (x, y).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Ellipse(float x, float y, float rx, float ry, float edge)
    {
        // Cheap bounding-box rejection: most pixels are far from most features.
        if (MathF.Abs(x) > rx + edge || MathF.Abs(y) > ry + edge)
        {
            return 0f;
        }

        float nx = x / rx;
        float ny = y / ry;
        float q = MathF.Sqrt((nx * nx) + (ny * ny));
        return Coverage((q - 1f) * MathF.Min(rx, ry), edge);
    }

    /// <summary>Coverage of the ring of half-thickness <paramref name="halfWidth"/> along an ellipse's edge.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float EllipseRing(float x, float y, float rx, float ry, float halfWidth, float edge)
    {
        float reach = halfWidth + edge;
        if (MathF.Abs(x) > rx + reach || MathF.Abs(y) > ry + reach)
        {
            return 0f;
        }

        float nx = x / rx;
        float ny = y / ry;
        float q = MathF.Sqrt((nx * nx) + (ny * ny));
        return Coverage(MathF.Abs((q - 1f) * MathF.Min(rx, ry)) - halfWidth, edge);
    }

    /// <summary>Coverage of a horizontal band |y - centre| &lt;= halfWidth.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Band(float y, float centre, float halfWidth, float edge) =>
        Coverage(MathF.Abs(y - centre) - halfWidth, edge);
}
