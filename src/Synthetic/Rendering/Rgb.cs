using System.Runtime.CompilerServices;

namespace KappaFace.MLNet.Synthetic.Rendering;

/// <summary>A colour with 0..255 float channels (values may leave that range until the final clamp).</summary>
internal readonly record struct Rgb(float R, float G, float B)
{
    /// <summary>Linear blend: <paramref name="t"/> = 0 gives <paramref name="a"/>, 1 gives <paramref name="b"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Rgb Lerp(Rgb a, Rgb b, float t) =>
        new(a.R + ((b.R - a.R) * t), a.G + ((b.G - a.G) * t), a.B + ((b.B - a.B) * t));

    /// <summary>Scales all channels.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Rgb Scale(float factor) => new(R * factor, G * factor, B * factor);

    /// <summary>Scales each channel by its own factor.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Rgb Scale(float r, float g, float b) => new(R * r, G * g, B * b);
}
