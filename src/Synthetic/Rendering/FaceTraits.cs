using KappaFace.MLNet.Data;

namespace KappaFace.MLNet.Synthetic.Rendering;

/// <summary>Hair styles: how far hair reaches down the sides of the head.</summary>
internal enum HairStyle
{
    Bald,
    Short,
    Medium,
    Long,
}

/// <summary>Hairline shapes across the forehead.</summary>
internal enum HairlineShape
{
    Rounded,
    WidowsPeak,
    SidePart,
    Fringe,
}

/// <summary>Facial hair.</summary>
internal enum FacialHair
{
    None,
    Stubble,
    Moustache,
    Beard,
}

/// <summary>
/// The stable look of one synthetic identity. Lengths are in face units: the image spans -1..1 at
/// scale 1, u to the right, v downwards, origin at the face centre. The ranges sit around the ArcFace
/// 112x112 alignment template (eyes near v = -0.1, nose tip near 0.27, mouth near 0.6).
/// </summary>
internal sealed record FaceTraits
{
    public required float FaceHalfWidth { get; init; }
    public required float FaceHalfHeight { get; init; }
    public required float JawTaper { get; init; }
    public required Rgb Skin { get; init; }
    public required float EyeY { get; init; }
    public required float EyeSpacing { get; init; }
    public required float EyeHalfWidth { get; init; }
    public required float EyeAspect { get; init; }
    public required float EyeTilt { get; init; }
    public required Rgb Iris { get; init; }
    public required float BrowGap { get; init; }
    public required float BrowThickness { get; init; }
    public required float BrowTilt { get; init; }
    public required float BrowArch { get; init; }
    public required float BrowLength { get; init; }
    public required float NoseTipY { get; init; }
    public required float NoseHalfWidth { get; init; }
    public required float MouthY { get; init; }
    public required float MouthHalfWidth { get; init; }
    public required float UpperLip { get; init; }
    public required float LowerLip { get; init; }
    public required float MouthCurve { get; init; }
    public required Rgb Lips { get; init; }
    public required Rgb Hair { get; init; }
    public required HairStyle HairStyle { get; init; }
    public required HairlineShape HairlineShape { get; init; }
    public required float Hairline { get; init; }
    public required float HairVolume { get; init; }
    public required float HairPartSlope { get; init; }
    public required float HairTexturePhase { get; init; }
    public required float EarSize { get; init; }
    public required FacialHair FacialHair { get; init; }
    public required bool Glasses { get; init; }
    public required bool RoundLenses { get; init; }
    public required Rgb Frame { get; init; }
    public required float FrameThickness { get; init; }
    public required bool Mole { get; init; }
    public required float MoleU { get; init; }
    public required float MoleV { get; init; }

    private static readonly Rgb[] HairColours =
    [
        new(20, 17, 15), new(45, 30, 22), new(85, 55, 35), new(120, 80, 45), new(140, 60, 30),
        new(190, 150, 95), new(215, 185, 130), new(150, 145, 140), new(210, 210, 205),
    ];

    private static readonly Rgb[] IrisColours =
    [
        new(60, 35, 20), new(95, 60, 30), new(70, 110, 150), new(90, 120, 80), new(110, 115, 120), new(35, 25, 20),
    ];

    private static readonly Rgb[] FrameColours =
    [
        new(20, 20, 22), new(90, 55, 30), new(160, 160, 165), new(180, 150, 70), new(120, 30, 35),
    ];

    /// <summary>Draws the traits of one identity.</summary>
    public static FaceTraits Sample(DeterministicRandom random)
    {
        float faceHalfWidth = F(random.Uniform(0.64, 0.80));
        float eyeY = F(random.Uniform(-0.15, -0.04));
        float eyeHalfWidth = F(random.Uniform(0.09, 0.135));
        float noseTipY = F(random.Uniform(0.20, 0.32));
        Rgb hair = Jitter(HairColours[random.NextInt(HairColours.Length)], random, 12);
        Rgb skin = SkinTone(random);
        Rgb lips = Rgb.Lerp(skin, new Rgb(165, 60, 70), F(random.Uniform(0.3, 0.6))).Scale(0.92f);
        HairStyle style = Pick(random, (0.06, HairStyle.Bald), (0.44, HairStyle.Short), (0.30, HairStyle.Medium), (0.20, HairStyle.Long));

        return new FaceTraits
        {
            FaceHalfWidth = faceHalfWidth,
            FaceHalfHeight = F(random.Uniform(0.92, 1.04)),
            JawTaper = F(random.Uniform(0.0, 0.45)),
            Skin = skin,
            EyeY = eyeY,
            EyeSpacing = F(random.Uniform(0.25, 0.35)),
            EyeHalfWidth = eyeHalfWidth,
            EyeAspect = F(random.Uniform(0.38, 0.62)),
            EyeTilt = F(random.Symmetric(0.15)),
            Iris = Jitter(IrisColours[random.NextInt(IrisColours.Length)], random, 10),
            BrowGap = F(random.Uniform(0.10, 0.17)),
            BrowThickness = F(random.Uniform(0.022, 0.055)),
            BrowTilt = F(random.Symmetric(0.25)),
            BrowArch = F(random.Uniform(0.0, 0.05)),
            BrowLength = eyeHalfWidth * F(random.Uniform(1.1, 1.5)),
            NoseTipY = noseTipY,
            NoseHalfWidth = F(random.Uniform(0.07, 0.13)),
            MouthY = noseTipY + F(random.Uniform(0.26, 0.34)),
            MouthHalfWidth = F(random.Uniform(0.15, 0.25)),
            UpperLip = F(random.Uniform(0.020, 0.045)),
            LowerLip = F(random.Uniform(0.030, 0.065)),
            MouthCurve = F(random.Uniform(-0.03, 0.04)),
            Lips = lips,
            Hair = hair,
            HairStyle = style,
            HairlineShape = Pick(random, (0.35, HairlineShape.Rounded), (0.15, HairlineShape.WidowsPeak), (0.30, HairlineShape.SidePart), (0.20, HairlineShape.Fringe)),
            Hairline = F(random.Uniform(-0.80, -0.52)),
            HairVolume = F(random.Uniform(1.04, 1.18)),
            HairPartSlope = F(random.Symmetric(0.3)),
            HairTexturePhase = F(random.Uniform(0, 2 * Math.PI)),
            EarSize = F(random.Uniform(0.12, 0.18)),
            FacialHair = Pick(random, (0.75, FacialHair.None), (0.09, FacialHair.Stubble), (0.08, FacialHair.Moustache), (0.08, FacialHair.Beard)),
            Glasses = random.Chance(0.18),
            RoundLenses = random.Chance(0.5),
            Frame = FrameColours[random.NextInt(FrameColours.Length)],
            FrameThickness = F(random.Uniform(0.014, 0.028)),
            Mole = random.Chance(0.15),
            MoleU = F(random.Symmetric(0.45)),
            MoleV = F(random.Uniform(0.05, 0.55)),
        };
    }

    private static Rgb SkinTone(DeterministicRandom random)
    {
        // A light-to-dark axis plus small red/yellow shifts covers the range of real skin tones.
        var light = new Rgb(236, 200, 176);
        var dark = new Rgb(92, 60, 42);
        Rgb tone = Rgb.Lerp(light, dark, F(random.NextDouble()));
        float warmth = F(random.Symmetric(0.06));
        return tone.Scale(1 + warmth, 1, 1 - warmth);
    }

    private static Rgb Jitter(Rgb colour, DeterministicRandom random, double amount) =>
        new(colour.R + F(random.Symmetric(amount)), colour.G + F(random.Symmetric(amount)), colour.B + F(random.Symmetric(amount)));

    private static T Pick<T>(DeterministicRandom random, params (double Weight, T Value)[] choices)
    {
        double ticket = random.NextDouble() * choices.Sum(choice => choice.Weight);
        foreach ((double weight, T value) in choices)
        {
            if (ticket < weight)
            {
                return value;
            }

            ticket -= weight;
        }

        return choices[^1].Value;
    }

    private static float F(double value) => (float)value;
}
