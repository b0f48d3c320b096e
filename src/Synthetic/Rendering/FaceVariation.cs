using KappaFace.MLNet.Data;

namespace KappaFace.MLNet.Synthetic.Rendering;

/// <summary>What changes from one image of an identity to the next: pose, expression, light, scene, noise.</summary>
internal sealed record FaceVariation
{
    public required float Rotation { get; init; }
    public required float ShiftX { get; init; }
    public required float ShiftY { get; init; }
    public required float Scale { get; init; }
    public required float Yaw { get; init; }
    public required float Pitch { get; init; }
    public required float Smile { get; init; }
    public required float MouthOpen { get; init; }
    public required float EyeOpen { get; init; }
    public required float BrowRaise { get; init; }
    public required float Gaze { get; init; }
    public required float LightAngle { get; init; }
    public required float LightStrength { get; init; }
    public required float Ambient { get; init; }
    public required float Brightness { get; init; }
    public required float Contrast { get; init; }
    public required Rgb ColourCast { get; init; }
    public required Rgb BackgroundA { get; init; }
    public required Rgb BackgroundB { get; init; }
    public required float BackgroundAngle { get; init; }
    public required Rgb Clothing { get; init; }
    public required float NoiseSigma { get; init; }

    /// <summary>Draws the variation of one image; strengths come from the options (0 = none).</summary>
    public static FaceVariation Sample(DeterministicRandom random, SyntheticFaceOptions options)
    {
        float pose = (float)options.PoseVariation;
        float expression = (float)options.ExpressionVariation;
        float light = (float)options.LightingVariation;
        float noise = (float)options.NoiseLevel;
        bool blink = random.Chance(0.05 * Math.Min(1, expression));
        bool mouthOpen = random.Chance(0.25 * Math.Min(1, expression));

        return new FaceVariation
        {
            Rotation = Math.Clamp(Gaussian(random, 0.08f * pose), -0.35f, 0.35f),
            ShiftX = Gaussian(random, 0.035f * pose),
            ShiftY = Gaussian(random, 0.035f * pose),
            Scale = MathF.Exp(Gaussian(random, 0.05f * pose)),
            Yaw = Math.Clamp(F(random.Symmetric(0.5)) * pose, -0.8f, 0.8f),
            Pitch = Gaussian(random, 0.035f * pose),
            Smile = Gaussian(random, 0.02f * expression),
            MouthOpen = mouthOpen ? F(random.Uniform(0.005, 0.04)) * expression : 0f,
            EyeOpen = blink ? 0.12f : Math.Clamp(1f + Gaussian(random, 0.15f * expression), 0.3f, 1.25f),
            BrowRaise = Gaussian(random, 0.015f * expression),
            Gaze = Gaussian(random, 0.2f * expression),
            LightAngle = F(random.Uniform(0, 2 * Math.PI)),
            LightStrength = Math.Min(0.9f, F(random.Uniform(0, 0.7)) * light),
            Ambient = 0.45f + F(random.Uniform(0, 0.2)),
            Brightness = MathF.Exp(Gaussian(random, 0.18f * light)),
            Contrast = MathF.Exp(Gaussian(random, 0.15f * light)),
            ColourCast = new Rgb(MathF.Exp(Gaussian(random, 0.05f * light)), MathF.Exp(Gaussian(random, 0.05f * light)), MathF.Exp(Gaussian(random, 0.05f * light))),
            BackgroundA = RandomColour(random),
            BackgroundB = RandomColour(random),
            BackgroundAngle = F(random.Uniform(0, 2 * Math.PI)),
            Clothing = RandomColour(random),
            NoiseSigma = F(random.Uniform(1, 7)) * noise,
        };
    }

    private static Rgb RandomColour(DeterministicRandom random) =>
        new(F(random.Uniform(25, 230)), F(random.Uniform(25, 230)), F(random.Uniform(25, 230)));

    private static float Gaussian(DeterministicRandom random, float sigma) => F(random.NextGaussian()) * sigma;

    private static float F(double value) => (float)value;
}
