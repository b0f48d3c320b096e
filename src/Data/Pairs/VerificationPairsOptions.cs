namespace KappaFace.MLNet.Data;

/// <summary>
/// Where the labelled pairs of a verification run come from (<see cref="VerificationPairs.Load"/>): a pairs
/// file, or a balanced, seeded draw from the image folder. Copy with <c>with</c>.
/// </summary>
public sealed record VerificationPairsOptions
{
    /// <summary>Pairs drawn from a folder when neither a pairs file nor <see cref="PairCount"/> is given, at most.</summary>
    public const int DefaultGeneratedPairs = 2000;

    /// <summary>The image folder <c>DIR/&lt;identity&gt;/&lt;image&gt;</c>; the pairs file's paths are relative to it. Required.</summary>
    public required string ImageFolder { get; init; }

    /// <summary>A pairs file in either format (its LFW folds are kept); null (default) draws pairs from <see cref="ImageFolder"/>.</summary>
    public string? PairsFile { get; init; }

    /// <summary>
    /// Pairs drawn without a pairs file; null (default) takes as many as the folder allows, up to
    /// <see cref="DefaultGeneratedPairs"/>, half same-identity and half different-identity.
    /// </summary>
    public int? PairCount { get; init; }

    /// <summary>Seeds the draw. Default 0.</summary>
    public int Seed { get; init; }

    /// <summary>How bad images are found and handled: under <see cref="BadImagePolicy.Skip"/> the pairs that name one are dropped. Default: the library's checks, failing on bad input.</summary>
    public FaceFolderLoadOptions DataChecks { get; init; } = new();
}
