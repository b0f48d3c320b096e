using KappaFace.MLNet.Data;

namespace KappaFace.MLNet.Trainer.Data;

/// <summary>How <see cref="TrainingFolder.Load"/> reads an image folder for training. Copy with <c>with</c>.</summary>
public sealed record TrainingFolderOptions
{
    /// <summary>The square side S the images are decoded at. Default 112.</summary>
    public int ImageSize { get; init; } = 112;

    /// <summary>Fraction of identities held out for per-epoch verification accuracy, in [0, 1). Default 0 (none).</summary>
    public double ValidationFraction { get; init; }

    /// <summary>Seeds the identity split. Default 0.</summary>
    public int Seed { get; init; }

    /// <summary>
    /// Decode images on background threads as batches need them instead of loading the folder into memory.
    /// The folder is still checked once up front (every image decoded and dropped), so bad files meet the
    /// policy before training rather than failing a batch hours in. Default false.
    /// </summary>
    public bool Stream { get; init; }

    /// <summary>How bad images are found and handled. Default: the library's checks, failing on bad input.</summary>
    public FaceFolderLoadOptions DataChecks { get; init; } = new();
}

/// <summary>The training images of a folder, the held-out identities for validation, and what the checks found.</summary>
/// <param name="Train">The images to train on (in memory or streamed).</param>
/// <param name="Validation">The held-out identities, loaded (they are embedded every epoch), or null without a split.</param>
/// <param name="Report">What the bad-image checks left out, converted or warn about.</param>
public sealed record TrainingFolder(ITrainingImages Train, FaceImageSet? Validation, FaceDataReport Report)
{
    /// <summary>Checks and loads (or, streaming, scans) <paramref name="folder"/> and splits off the held-out identities.</summary>
    /// <param name="folder">The image folder <c>DIR/&lt;identity&gt;/&lt;image&gt;</c>.</param>
    /// <param name="options">Size, split, streaming and checks.</param>
    /// <param name="log">Receives one line per stage (loading, checking, streaming); null for none.</param>
    /// <returns>The training data.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The validation fraction is outside [0, 1).</exception>
    /// <exception cref="FaceDataException">The folder is bad, or bad input is found under <see cref="BadImagePolicy.Fail"/>
    /// (<see cref="FaceDataException.Report"/> holds all of it).</exception>
    public static TrainingFolder Load(string folder, TrainingFolderOptions options, Action<string>? log = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        ArgumentNullException.ThrowIfNull(options);
        if (options.ValidationFraction is < 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.ValidationFraction, "ValidationFraction must be in [0, 1).");
        }

        return options.Stream ? Streamed(folder, options, log) : Loaded(folder, options, log);
    }

    private static TrainingFolder Loaded(string folder, TrainingFolderOptions options, Action<string>? log)
    {
        log?.Invoke($"Loading {folder} at {options.ImageSize}x{options.ImageSize} ...");
        var all = FaceImageSet.LoadFolder(folder, options.ImageSize, options.DataChecks, out FaceDataReport report);
        var (train, validation) = options.ValidationFraction > 0
            ? all.SplitByIdentity(options.ValidationFraction, options.Seed)
            : (all, (FaceImageSet?)null);
        return new TrainingFolder(new InMemoryTrainingImages(train), validation, report);
    }

    private static TrainingFolder Streamed(string folder, TrainingFolderOptions options, Action<string>? log)
    {
        log?.Invoke($"Checking {folder} ...");
        FaceFolderCheckResult checkedFolder = FaceFolderCheck.Run(folder, options.DataChecks);
        var (train, held) = options.ValidationFraction > 0
            ? checkedFolder.Usable.SplitByIdentity(options.ValidationFraction, options.Seed)
            : (checkedFolder.Usable, null);
        // The held-out identities are a small share and are embedded every epoch: they are loaded once.
        FaceImageSet? validation = held is null ? null : FaceImageSet.LoadFolder(held, options.ImageSize);
        log?.Invoke($"Streaming {folder} at {options.ImageSize}x{options.ImageSize} (decoded per batch).");
        return new TrainingFolder(new StreamingTrainingImages(train, options.ImageSize), validation, checkedFolder.Report);
    }
}
