using System.Runtime.CompilerServices;
using KappaFace.MLNet.Data;

namespace KappaFace.MLNet.Synthetic.Rendering;

/// <summary>
/// Draws one synthetic face with plain pixel math: each pixel is mapped back into face coordinates and
/// the layers (background, clothes, ears, face, features, hair, glasses) are blended in order, then
/// shaded, exposed and given sensor noise.
/// </summary>
/// <remarks>
/// Pixel math rather than a canvas keeps the output bit-for-bit fixed by this code (no rasteriser
/// version in the loop) and makes per-pixel lighting from a head-shaped normal cheap.
/// <para>The per-pixel methods are marked <see cref="MethodImplOptions.AggressiveOptimization"/>. A process
/// renders only a few hundred to a few thousand images; measured on one core, tiered compilation ran
/// them as slow unoptimised and then instrumented code for the first ~1,400 images (about 4 s), while
/// fully optimised code from the first call renders 1,000 images at 112 x 112 in about 1.7 s. Small
/// helpers are <see cref="MethodImplOptions.AggressiveInlining"/> so that code inlines them.</para>
/// </remarks>
internal sealed class FaceRenderer
{
    // Where the face centre sits in the image (face units), as in ArcFace-aligned crops.
    private const float FaceCentreY = 0.02f;

    // Width of soft shading edges (shadows, highlights), in face units.
    private const float SoftEdge = 0.05f;

    // Shapes with edges one pixel wide (crisp), two pixels (beards) and soft (shading, eye sockets).
    private readonly Shapes _sharp;
    private readonly Shapes _blurred;
    private readonly Shapes _soft;
    private readonly Shapes _softer;

    // Properties rather than static readonly fields: they fold to constants in code jitted before the
    // class's statics are initialised (see the remarks).
    private static Rgb Sclera => new(232, 228, 222);
    private static Rgb Pupil => new(14, 12, 12);
    private static Rgb Lash => new(30, 22, 20);
    private static Rgb MouthInside => new(60, 22, 26);
    private static Rgb MoleColour => new(80, 50, 38);

    private readonly FaceTraits _traits;
    private readonly FaceVariation _variation;
    private readonly int _size;
    private readonly float _cos;
    private readonly float _sin;
    private readonly float _inverseScale;
    private readonly float _edge;
    private readonly float _lightX;
    private readonly float _lightY;
    private readonly float _lightZ;
    private readonly float _backgroundX;
    private readonly float _backgroundY;
    private readonly float _inverseFaceHalfHeight;
    private readonly float _inverseHeadHalfWidth;
    private readonly float _inverseHeadHalfHeight;
    private readonly Rgb _brow;
    private readonly Rgb _ear;
    private readonly Rgb _neck;

    public FaceRenderer(FaceTraits traits, FaceVariation variation, int size)
    {
        _traits = traits;
        _variation = variation;
        _size = size;
        _cos = MathF.Cos(variation.Rotation);
        _sin = MathF.Sin(variation.Rotation);
        _inverseScale = 1f / variation.Scale;
        // One pixel in face units: edges are anti-aliased over this width at any image size.
        _edge = 2f / size * _inverseScale;
        _sharp = new Shapes(_edge);
        _blurred = new Shapes(2 * _edge);
        _soft = new Shapes(SoftEdge);
        _softer = new Shapes(2.5f * SoftEdge);
        float strength = variation.LightStrength;
        _lightX = strength * MathF.Cos(variation.LightAngle);
        _lightY = strength * MathF.Sin(variation.LightAngle);
        _lightZ = MathF.Sqrt(1 - (strength * strength));
        _backgroundX = MathF.Cos(variation.BackgroundAngle);
        _backgroundY = MathF.Sin(variation.BackgroundAngle);
        _inverseFaceHalfHeight = 1f / traits.FaceHalfHeight;
        // The lit head surface is a little larger than the face oval, so shading wraps onto hair and ears.
        _inverseHeadHalfWidth = 1f / (traits.FaceHalfWidth * 1.1f);
        _inverseHeadHalfHeight = 1f / (traits.FaceHalfHeight * 1.1f);
        _brow = Rgb.Lerp(traits.Hair, new Rgb(25, 20, 18), 0.35f);
        _ear = traits.Skin.Scale(0.9f);
        _neck = traits.Skin.Scale(0.8f);
    }

    /// <summary>Writes the image as RGB planes (CHW bytes); <paramref name="noise"/> drives the sensor noise.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Render(Span<byte> chw, DeterministicRandom noise)
    {
        int plane = _size * _size;
        FaceVariation v = _variation;
        for (int py = 0; py < _size; py++)
        {
            float y = (((py + 0.5f) * 2f) / _size) - 1f;
            for (int px = 0; px < _size; px++)
            {
                float x = (((px + 0.5f) * 2f) / _size) - 1f;
                Rgb c = Pixel(x, y).Scale(v.Brightness * v.ColourCast.R, v.Brightness * v.ColourCast.G, v.Brightness * v.ColourCast.B);
                int i = (py * _size) + px;
                chw[i] = ToByte(c.R, v, noise);
                chw[plane + i] = ToByte(c.G, v, noise);
                chw[(2 * plane) + i] = ToByte(c.B, v, noise);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static byte ToByte(float value, FaceVariation v, DeterministicRandom noise)
    {
        float exposed = ((value - 128f) * v.Contrast) + 128f + (v.NoiseSigma * ApproximateGaussian(noise));
        return (byte)MathF.Min(MathF.Max(MathF.Round(exposed), 0f), 255f);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float ApproximateGaussian(DeterministicRandom random)
    {
        // Sum of four 16-bit uniforms (Irwin-Hall), rescaled to unit variance: one 64-bit draw per sample,
        // several times cheaper than Box-Muller, and close enough to Gaussian for sensor noise.
        ulong bits = random.NextUInt64();
        float sum = (bits & 0xFFFF) + ((bits >> 16) & 0xFFFF) + ((bits >> 32) & 0xFFFF) + (bits >> 48);
        return ((sum / 65535f) - 2f) * 1.7320508f;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private Rgb Pixel(float x, float y)
    {
        // Undo the in-plane pose (shift, rotation, scale) to reach face coordinates.
        float dx = x - _variation.ShiftX;
        float dy = y - _variation.ShiftY - FaceCentreY;
        float u = ((_cos * dx) + (_sin * dy)) * _inverseScale;
        float v = ((-_sin * dx) + (_cos * dy)) * _inverseScale;
        var p = new FacePoint(u, v, _variation);

        Rgb c = Background(x, y);
        c = Clothing(c, p);
        c = Ears(c, p);
        float face = FaceCoverage(p);
        c = Rgb.Lerp(c, _traits.Skin, face);
        if (face > 0)
        {
            c = FaceFeatures(c, p, face);
        }

        c = Hair(c, p, face);
        if (_traits.Glasses)
        {
            c = Glasses(c, p);
        }

        return c.Scale(Shade(x, y, p));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private Rgb FaceFeatures(Rgb c, in FacePoint p, float face)
    {
        if (_traits.Mole)
        {
            float r = 0.018f;
            c = Rgb.Lerp(c, MoleColour, 0.85f * face * _sharp.Ellipse(p.FeatureU - _traits.MoleU, p.FeatureV - _traits.MoleV, r, r));
        }

        c = FacialHair(c, p, face);
        c = Nose(c, p, face);
        c = Mouth(c, p, face);
        c = Eyes(c, p, face);
        return Brows(c, p, face);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Rgb Background(float x, float y)
    {
        float t = Shapes.Clamp01(0.5f + (0.5f * ((x * _backgroundX) + (y * _backgroundY))));
        return Rgb.Lerp(_variation.BackgroundA, _variation.BackgroundB, t);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private Rgb Clothing(Rgb c, in FacePoint p)
    {
        // Neck and clothes lie below the mouth; most pixels are above them.
        if (p.V < 0.3f - _edge)
        {
            return c;
        }

        float neck = _sharp.Coverage(MathF.Abs(p.OutlineU) - (_traits.FaceHalfWidth * 0.42f)) * _sharp.Coverage(0.3f - p.V);
        c = Rgb.Lerp(c, _neck, neck);
        float shoulderTop = _traits.FaceHalfHeight * 0.97f;
        float halfWidth = 0.5f + (MathF.Max(0, p.V - shoulderTop) * 1.6f);
        float clothes = _sharp.Coverage(MathF.Abs(p.U) - halfWidth) * _sharp.Coverage(shoulderTop - p.V);
        return Rgb.Lerp(c, _variation.Clothing, clothes);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private Rgb Ears(Rgb c, in FacePoint p)
    {
        if (MathF.Abs(p.V - (_traits.EyeY + 0.12f)) > _traits.EarSize + _edge)
        {
            return c;
        }

        for (int side = -1; side <= 1; side += 2)
        {
            // The ear on the side turning away narrows until hidden behind the head.
            float width = MathF.Max(0.005f, _traits.EarSize * 0.5f * (1f - (0.9f * _variation.Yaw * side)));
            float ear = _sharp.Ellipse(p.OutlineU - (side * _traits.FaceHalfWidth * 0.98f), p.V - (_traits.EyeY + 0.12f), width, _traits.EarSize);
            c = Rgb.Lerp(c, _ear, ear);
        }

        return c;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private float FaceCoverage(in FacePoint p)
    {
        float below = MathF.Max(0, p.V * _inverseFaceHalfHeight);
        float halfWidth = _traits.FaceHalfWidth * (1f - (_traits.JawTaper * below * below));
        return _sharp.Ellipse(p.OutlineU, p.V, halfWidth, _traits.FaceHalfHeight);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private Rgb FacialHair(Rgb c, in FacePoint p, float face)
    {
        if (_traits.FacialHair == Rendering.FacialHair.None)
        {
            return c;
        }

        Rgb hair = HairTexture(p);
        if (_traits.FacialHair is Rendering.FacialHair.Beard or Rendering.FacialHair.Stubble)
        {
            // The beard line rises from under the nose towards the sideburns.
            float side = p.FeatureU / _traits.FaceHalfWidth;
            float top = _traits.NoseTipY + 0.06f - (0.32f * side * side);
            float alpha = _traits.FacialHair == Rendering.FacialHair.Beard ? 0.88f : 0.3f;
            c = Rgb.Lerp(c, hair, alpha * face * _blurred.Coverage(top - p.FeatureV));
        }

        if (_traits.FacialHair is Rendering.FacialHair.Beard or Rendering.FacialHair.Moustache)
        {
            // A tapered band resting on the upper lip, thickest in the middle.
            float t = p.FeatureU / (_traits.MouthHalfWidth * 1.1f);
            float halfWidth = 0.028f * (1f - (0.6f * t * t));
            float centre = MouthLine(t) - _traits.UpperLip - halfWidth + 0.01f;
            float moustache = _sharp.Band(p.FeatureV, centre, halfWidth) * _sharp.Coverage(MathF.Abs(t) - 1f);
            c = Rgb.Lerp(c, hair, 0.9f * face * moustache);
        }

        return c;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private Rgb Nose(Rgb c, in FacePoint p, float face)
    {
        float nu = p.NoseU;
        float nv = p.FeatureV;
        float width = _traits.NoseHalfWidth;
        float tip = _traits.NoseTipY;
        if (nv < _traits.EyeY || nv > tip + 0.08f || MathF.Abs(nu) > width * 1.8f)
        {
            return c;
        }

        float darken = 0;
        float ridge = _soft.Coverage(nv - (tip - 0.03f)) * _soft.Coverage((_traits.EyeY + 0.06f) - nv);
        for (int side = -1; side <= 1; side += 2)
        {
            darken += 0.09f * ridge * _soft.Band(nu, side * width * 0.55f, 0.012f);
        }

        darken += 0.16f * _soft.Ellipse(nu, nv - (tip + 0.03f), width * 0.95f, 0.028f);
        c = c.Scale(1f - (darken * face));
        c = c.Scale(1f + (0.07f * face * _soft.Ellipse(nu, nv - (tip - 0.03f), width * 0.45f, 0.04f)));

        Rgb nostril = _traits.Skin.Scale(0.35f);
        for (int side = -1; side <= 1; side += 2)
        {
            float hole = _sharp.Ellipse(nu - (side * width * 0.55f), nv - (tip + 0.012f), width * 0.32f, 0.016f);
            c = Rgb.Lerp(c, nostril, hole * face);
        }

        return c;
    }

    /// <summary>The line between the lips at t = u / mouth half-width; positive curve lifts the corners.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private float MouthLine(float t) => _traits.MouthY - ((_traits.MouthCurve + _variation.Smile) * ((t * t) - 0.35f));

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private Rgb Mouth(Rgb c, in FacePoint p, float face)
    {
        float t = p.FeatureU / _traits.MouthHalfWidth;
        if (MathF.Abs(t) > 1.1f || MathF.Abs(p.FeatureV - _traits.MouthY) > 0.16f)
        {
            return c;
        }

        float line = MouthLine(t);
        float profile = MathF.Sqrt(MathF.Max(0, 1 - (t * t)));
        float halfGap = 0.5f * _variation.MouthOpen * profile;
        float upper = _traits.UpperLip * profile;
        float lower = _traits.LowerLip * profile;
        float ends = face * _sharp.Coverage((MathF.Abs(t) - 1f) * _traits.MouthHalfWidth);

        c = Rgb.Lerp(c, _traits.Lips, ends * _sharp.Band(p.FeatureV, line - halfGap - (upper / 2), upper / 2));
        c = Rgb.Lerp(c, _traits.Lips.Scale(1.08f), ends * _sharp.Band(p.FeatureV, line + halfGap + (lower / 2), lower / 2));
        c = Rgb.Lerp(c, MouthInside, ends * _sharp.Band(p.FeatureV, line, halfGap));
        return Rgb.Lerp(c, _traits.Lips.Scale(0.6f), 0.8f * ends * _sharp.Band(p.FeatureV, line, 0.004f));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private Rgb Eyes(Rgb c, in FacePoint p, float face)
    {
        if (MathF.Abs(p.FeatureV - _traits.EyeY) > 0.25f)
        {
            return c;
        }

        float rx = _traits.EyeHalfWidth;
        float ry = MathF.Max(0.002f, rx * _traits.EyeAspect * _variation.EyeOpen);
        float irisRadius = rx * 0.45f;
        for (int side = -1; side <= 1; side += 2)
        {
            float ex = p.FeatureU - (side * _traits.EyeSpacing);
            if (MathF.Abs(ex) > rx * 1.8f)
            {
                continue;
            }

            float ey = p.FeatureV - _traits.EyeY - (_traits.EyeTilt * side * ex);
            float socket = _softer.Ellipse(ex, ey + 0.02f, rx * 1.5f, rx * 0.95f);
            c = c.Scale(1f - (0.12f * socket * face));

            float white = _sharp.Ellipse(ex, ey, rx, ry);
            if (white > 0)
            {
                float ix = ex - (_variation.Gaze * rx * 0.5f);
                Rgb eye = Rgb.Lerp(Sclera, _traits.Iris, _sharp.Ellipse(ix, ey, irisRadius, irisRadius));
                eye = Rgb.Lerp(eye, Pupil, _sharp.Ellipse(ix, ey, irisRadius * 0.45f, irisRadius * 0.45f));
                c = Rgb.Lerp(c, eye, white * face);
            }

            // The upper lid line is heavier than the lower one, as lashes make it look.
            float lid = _sharp.EllipseRing(ex, ey, rx, ry, ey < 0 ? 0.014f : 0.006f);
            c = Rgb.Lerp(c, Lash, lid * face);
        }

        return c;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private Rgb Brows(Rgb c, in FacePoint p, float face)
    {
        float length = _traits.BrowLength;
        for (int side = -1; side <= 1; side += 2)
        {
            float bx = p.FeatureU - (side * _traits.EyeSpacing);
            float t = bx / length;
            if (MathF.Abs(t) > 1.2f)
            {
                continue;
            }

            float outward = side * t;
            float centre = _traits.EyeY - _traits.BrowGap - _variation.BrowRaise
                - (_traits.BrowArch * (1 - (t * t))) - (_traits.BrowTilt * outward * length * 0.5f);
            float halfWidth = _traits.BrowThickness * (1f - (0.35f * t * t));
            float brow = _sharp.Band(p.FeatureV, centre, halfWidth) * _sharp.Coverage((MathF.Abs(t) - 1f) * length);
            c = Rgb.Lerp(c, _brow, 0.95f * brow * face);
        }

        return c;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private Rgb Hair(Rgb c, in FacePoint p, float face)
    {
        if (_traits.HairStyle == HairStyle.Bald)
        {
            return c;
        }

        float rx = _traits.FaceHalfWidth * _traits.HairVolume;
        float ry = _traits.FaceHalfHeight * _traits.HairVolume * 0.98f;
        // Dome over the head, then straight sides hanging down as far as the style reaches.
        float shape = p.V < 0
            ? _sharp.Ellipse(p.OutlineU, p.V, rx, ry)
            : _sharp.Coverage(MathF.Abs(p.OutlineU) - rx);
        float reach = _traits.HairStyle switch
        {
            HairStyle.Short => _traits.EyeY - 0.02f,
            HairStyle.Medium => _traits.MouthY,
            _ => 1.6f,
        };
        shape *= _sharp.Coverage(p.V - reach);
        if (shape <= 0)
        {
            return c;
        }

        // On the face, hair only lies above the hairline; off the face it fills the whole shape.
        float aboveHairline = _sharp.Coverage(p.V - Hairline(p.OutlineU));
        float hair = shape * MathF.Max(aboveHairline, 1f - face);
        return hair > 0 ? Rgb.Lerp(c, HairTexture(p), hair) : c;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private float Hairline(float u)
    {
        float across = u / _traits.FaceHalfWidth;
        float temples = 0.35f * across * across;
        return _traits.HairlineShape switch
        {
            HairlineShape.WidowsPeak => _traits.Hairline + temples + (0.07f * MathF.Max(0, 1 - (MathF.Abs(u) / 0.15f))),
            HairlineShape.SidePart => _traits.Hairline + temples + (_traits.HairPartSlope * u),
            HairlineShape.Fringe => _traits.EyeY - _traits.BrowGap - 0.05f + (0.02f * MathF.Sin((u * 30f) + _traits.HairTexturePhase)),
            _ => _traits.Hairline + temples,
        };
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Rgb HairTexture(in FacePoint p)
    {
        // Strands: a fine stripe pattern so hair is not a flat blob.
        float stripes = 0.5f + (0.5f * MathF.Sin((p.OutlineU * 40f) + (p.V * 7f) + _traits.HairTexturePhase));
        return _traits.Hair.Scale(0.82f + (0.18f * stripes));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private Rgb Glasses(Rgb c, in FacePoint p)
    {
        float rx = _traits.EyeHalfWidth * (_traits.RoundLenses ? 1.45f : 1.65f);
        float ry = _traits.EyeHalfWidth * (_traits.RoundLenses ? 1.45f : 1.15f);
        float centreY = _traits.EyeY + 0.01f;
        float thickness = _traits.FrameThickness;
        for (int side = -1; side <= 1; side += 2)
        {
            float lx = p.FeatureU - (side * _traits.EyeSpacing);
            float ly = p.FeatureV - centreY;
            c = c.Scale(1f - (0.06f * _sharp.Ellipse(lx, ly, rx, ry)));
            c = Rgb.Lerp(c, _traits.Frame, _sharp.EllipseRing(lx, ly, rx, ry, thickness));
        }

        float across = MathF.Abs(p.FeatureU);
        float barY = centreY - (ry * 0.35f);
        float bridge = _sharp.Coverage(across - (_traits.EyeSpacing - (rx * 0.9f)));
        float arms = _sharp.Coverage((_traits.EyeSpacing + (rx * 0.95f)) - across)
            * _sharp.Coverage(across - (_traits.FaceHalfWidth * 0.98f));
        return Rgb.Lerp(c, _traits.Frame, MathF.Max(bridge, arms) * _sharp.Band(p.FeatureV, barY, thickness * 0.8f));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private float Shade(float x, float y, in FacePoint p)
    {
        // The head is lit as a sphere-like surface, the background as a plane with a gentle gradient;
        // the two blend near the head's edge.
        float backdrop = 1f + (0.3f * ((x * _lightX) + (y * _lightY)));
        float nx = p.OutlineU * _inverseHeadHalfWidth;
        float ny = (p.V + 0.1f) * _inverseHeadHalfHeight;
        float r2 = (nx * nx) + (ny * ny);
        if (r2 >= 1f)
        {
            return backdrop;
        }

        float nz = MathF.Sqrt(1f - r2);
        float lambert = MathF.Max(0, (nx * _lightX) + (ny * _lightY) + (nz * _lightZ));
        float head = 1.1f * (_variation.Ambient + ((1f - _variation.Ambient) * lambert));
        float inside = Shapes.Clamp01((1f - r2) * (1f / 0.15f));
        return backdrop + ((head - backdrop) * inside);
    }

    /// <summary>One pixel in the head's frames: in-plane, outline (slight yaw squeeze) and features (yaw, pitch).</summary>
    private readonly struct FacePoint
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public FacePoint(float u, float v, FaceVariation variation)
        {
            U = u;
            V = v;
            float yaw = variation.Yaw;
            OutlineU = (u - (0.06f * yaw)) / (1f - (0.08f * MathF.Abs(yaw)));
            // Turning the head moves the features sideways and squeezes the half turning away.
            float shifted = u - (0.16f * yaw);
            FeatureU = shifted * (1f + (shifted >= 0 ? 0.3f * yaw : -0.3f * yaw));
            FeatureV = v - variation.Pitch;
            // The nose stands out from the face, so it moves further with yaw.
            NoseU = FeatureU - (0.07f * yaw);
        }

        public float U { get; }

        public float V { get; }

        public float OutlineU { get; }

        public float FeatureU { get; }

        public float FeatureV { get; }

        public float NoseU { get; }
    }
}
