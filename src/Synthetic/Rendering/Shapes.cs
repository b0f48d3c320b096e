using System.Runtime.CompilerServices;

namespace KappaFace.MLNet.Synthetic.Rendering;

/// <summary>
/// Anti-aliased coverage (0..1) of simple shapes for one edge width, from approximate signed distances
/// in face units (negative inside). Soft edges keep features visible, without jaggies, down to 16-pixel
/// images; a wide edge gives soft shadows and highlights.
/// </summary>
internal readonly struct Shapes
{
    private readonly float _width;
    private readonly float _inverseWidth; // multiplying beats dividing in per-pixel code

    /// <summary>Shapes whose edges ramp from covered to uncovered over <paramref name="edgeWidth"/>.</summary>
    public Shapes(float edgeWidth)
    {
        _width = edgeWidth;
        _inverseWidth = 1f / edgeWidth;
    }

    /// <summary>Clamps to [0, 1] (without <see cref="Math.Clamp(float, float, float)"/>'s argument check,
    /// which keeps it from being inlined in per-pixel code).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Clamp01(float value) => MathF.Min(MathF.Max(value, 0f), 1f);

    /// <summary>Coverage of a point at signed distance <paramref name="distance"/> from an edge.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Coverage(float distance) => Clamp01(0.5f - (distance * _inverseWidth));

    /// <summary>Coverage of an axis-aligned ellipse centred at the origin, at point (x, y).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Ellipse(float x, float y, float rx, float ry)
    {
        // Cheap bounding-box rejection: most pixels are far from most features.
        if (MathF.Abs(x) > rx + _width || MathF.Abs(y) > ry + _width)
        {
            return 0f;
        }

        return Coverage(EllipseDistance(x, y, rx, ry));
    }

    /// <summary>Coverage of the ring of half-thickness <paramref name="halfWidth"/> along an ellipse's edge.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float EllipseRing(float x, float y, float rx, float ry, float halfWidth)
    {
        float reach = halfWidth + _width;
        if (MathF.Abs(x) > rx + reach || MathF.Abs(y) > ry + reach)
        {
            return 0f;
        }

        return Coverage(MathF.Abs(EllipseDistance(x, y, rx, ry)) - halfWidth);
    }

    /// <summary>Coverage of a horizontal band |y - centre| &lt;= halfWidth.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Band(float y, float centre, float halfWidth) => Coverage(MathF.Abs(y - centre) - halfWidth);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float EllipseDistance(float x, float y, float rx, float ry)
    {
        // Radial distance scaled by the smaller radius: exact on circles, close enough for edges elsewhere.
        float nx = x / rx;
        float ny = y / ry;
        return (MathF.Sqrt((nx * nx) + (ny * ny)) - 1f) * MathF.Min(rx, ry);
    }
}
