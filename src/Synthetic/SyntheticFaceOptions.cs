namespace KappaFace.MLNet.Synthetic;

/// <summary>Settings of <see cref="SyntheticFaces.Generate"/>.</summary>
public sealed record SyntheticFaceOptions
{
    /// <summary>Smallest supported image side.</summary>
    public const int MinImageSize = 16;

    /// <summary>Largest supported image side.</summary>
    public const int MaxImageSize = 512;

    /// <summary>Number of identities (classes), at least 2. Default 60.</summary>
    public int Identities { get; init; } = 60;

    /// <summary>Side of the square images, <see cref="MinImageSize"/>..<see cref="MaxImageSize"/>. Default 112.</summary>
    public int ImageSize { get; init; } = 112;

    /// <summary>Images of the most frequent identity (head of the long tail). Default 30.</summary>
    public int MaxImagesPerIdentity { get; init; } = 30;

    /// <summary>Images of the rarest identity (end of the long tail), at least 1. Default 3.</summary>
    public int MinImagesPerIdentity { get; init; } = 3;

    /// <summary>Seed: the same options always give the same images.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Scales head rotation, shift, scale and yaw between images of one identity (0 = none). Default 1.</summary>
    public double PoseVariation { get; init; } = 1.0;

    /// <summary>Scales smile, mouth opening, blinking, brow raise and gaze (0 = none). Default 1.</summary>
    public double ExpressionVariation { get; init; } = 1.0;

    /// <summary>Scales light direction strength, brightness, contrast and colour cast (0 = none). Default 1.</summary>
    public double LightingVariation { get; init; } = 1.0;

    /// <summary>Scales the per-pixel sensor noise (0 = none). Default 1.</summary>
    public double NoiseLevel { get; init; } = 1.0;

    /// <summary>Rejects settings out of range, naming the setting and its value.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range.</exception>
    public void Validate()
    {
        if (Identities < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(Identities), Identities, "At least 2 identities are needed.");
        }

        if (ImageSize is < MinImageSize or > MaxImageSize)
        {
            throw new ArgumentOutOfRangeException(nameof(ImageSize), ImageSize, $"The image size must be {MinImageSize}..{MaxImageSize}.");
        }

        if (MinImagesPerIdentity < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MinImagesPerIdentity), MinImagesPerIdentity, "Each identity needs at least 1 image.");
        }

        if (MaxImagesPerIdentity < MinImagesPerIdentity)
        {
            throw new ArgumentOutOfRangeException(
                nameof(MaxImagesPerIdentity), MaxImagesPerIdentity, $"Must be at least MinImagesPerIdentity ({MinImagesPerIdentity}).");
        }

        RequireStrength(PoseVariation, nameof(PoseVariation));
        RequireStrength(ExpressionVariation, nameof(ExpressionVariation));
        RequireStrength(LightingVariation, nameof(LightingVariation));
        RequireStrength(NoiseLevel, nameof(NoiseLevel));
    }

    private static void RequireStrength(double value, string name)
    {
        // Strengths beyond 3 push poses and lighting past what the drawing models sensibly.
        if (!(value >= 0 && value <= 3))
        {
            throw new ArgumentOutOfRangeException(name, value, "A variation strength must be in [0, 3].");
        }
    }
}
