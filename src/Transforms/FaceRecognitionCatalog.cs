using KappaFace.MLNet.Data;
using KappaFace.MLNet.Transforms.Evaluation;
using Microsoft.ML;

namespace KappaFace.MLNet.Transforms;

/// <summary>The entry point of face recognition in ML.NET: <c>mlContext.FaceRecognition()</c>.</summary>
public static class FaceRecognitionMLContextExtensions
{
    /// <summary>
    /// The face recognition catalog of <paramref name="mlContext"/>: trainers (added by the
    /// KappaFace.MLNet.Trainer assembly), evaluation, threshold calibration and data helpers. The
    /// transforms themselves are on <c>mlContext.Transforms</c> (<see cref="FaceTransformsCatalog"/>).
    /// </summary>
    /// <param name="mlContext">The ML.NET context.</param>
    /// <returns>The catalog (a light wrapper; each call makes a new one).</returns>
    public static FaceRecognitionCatalog FaceRecognition(this MLContext mlContext)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        return new FaceRecognitionCatalog(mlContext);
    }
}

/// <summary>
/// Face recognition tasks on an <see cref="MLContext"/>, in the style of ML.NET's task catalogs
/// (<c>mlContext.BinaryClassification</c>): <see cref="Trainers"/>, <see cref="Evaluate"/>,
/// <see cref="CalibrateThreshold"/>, and data helpers that turn image folders and pairs files
/// (docs/verification.md, "Data formats") into <see cref="IDataView"/>s.
/// </summary>
// Catalog methods are instance methods, as in ML.NET's own catalogs, even where they need no state.
#pragma warning disable CA1822
public sealed class FaceRecognitionCatalog
{
    private const string EvaluateOperation = "Evaluate";
    private const string CalibrateOperation = "CalibrateThreshold";

    internal FaceRecognitionCatalog(MLContext mlContext)
    {
        Context = mlContext;
        Trainers = new FaceRecognitionTrainers(mlContext);
    }

    /// <summary>The ML.NET context the catalog works in.</summary>
    public MLContext Context { get; }

    /// <summary>
    /// The face recognition trainers. Extension point: the trainer estimators (<c>KappaFace(...)</c>,
    /// <c>ArcFace(...)</c>, <c>CosFace(...)</c>) live in KappaFace.MLNet.Trainer, which depends on this
    /// assembly, and are added there as extension methods on <see cref="FaceRecognitionTrainers"/>.
    /// </summary>
    public FaceRecognitionTrainers Trainers { get; }

    /// <summary>
    /// Verification metrics of scored pairs (docs/verification.md): k-fold accuracy (mean and std, each
    /// fold's threshold chosen on the other folds), AUC, EER, TAR at FAR 1e-1..1e-4, the best threshold
    /// and the ROC curve.
    /// </summary>
    /// <param name="data">Scored pairs, e.g. the output of <c>ScoreFacePairs</c>.</param>
    /// <param name="labelColumnName">Ground truth: Boolean, true = same identity.</param>
    /// <param name="scoreColumnName">The score: Single (or Double); higher = more alike.</param>
    /// <param name="foldColumnName">
    /// The fold of each pair (integer or key), e.g. <see cref="FaceColumnNames.Fold"/> of an LFW-format
    /// pairs file loaded with <see cref="LoadPairs(string, string)"/>: its own sets are then the folds. Null:
    /// <paramref name="foldCount"/> folds balanced by label, seeded by <paramref name="seed"/>.
    /// </param>
    /// <param name="foldCount">The number of folds built when there is no fold column (at least 2).</param>
    /// <param name="seed">Seed of the folds built when there is no fold column.</param>
    /// <returns>The metrics.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or has the wrong type.</exception>
    /// <exception cref="ArgumentException">The data has no pairs, a non-finite score, labels all equal, or one fold only.</exception>
    public VerificationMetrics Evaluate(
        IDataView data,
        string labelColumnName = FaceColumnNames.Label,
        string scoreColumnName = FaceColumnNames.Score,
        string? foldColumnName = null,
        int foldCount = 10,
        int seed = 0)
    {
        (float[] scores, bool[] same) = ScoredPairsReader.Read(data, EvaluateOperation, labelColumnName, scoreColumnName);
        var evaluator = new VerificationEvaluator { FoldCount = foldCount, Seed = seed };
        return WithColumnContext(EvaluateOperation, labelColumnName, scoreColumnName, () =>
            foldColumnName is null
                ? evaluator.Evaluate(scores, same)
                : evaluator.Evaluate(scores, same, ScoredPairsReader.ReadFolds(data, EvaluateOperation, foldColumnName)));
    }

    /// <summary>
    /// Chooses the threshold for a target false accept rate: the smallest threshold that accepts at most
    /// <paramref name="targetFar"/> of the different-identity pairs (so the best true accept rate within
    /// that budget). Store it with <see cref="ThresholdCalibration.WriteToModel"/>; its
    /// <c>verification.source</c> reads <c>far=0.001 on N pairs</c>.
    /// </summary>
    /// <param name="data">Scored pairs.</param>
    /// <param name="targetFar">The false accept rate, in (0, 1]; at least 1/targetFar different pairs are needed.</param>
    /// <param name="labelColumnName">Ground truth: Boolean, true = same identity.</param>
    /// <param name="scoreColumnName">The score: Single (or Double).</param>
    /// <returns>The threshold and what it achieves on <paramref name="data"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or has the wrong type, or the FAR is outside (0, 1].</exception>
    /// <exception cref="ArgumentException">Labels all equal, a non-finite score, or too few different pairs for the FAR.</exception>
    public ThresholdCalibration CalibrateThreshold(
        IDataView data,
        double targetFar = 1e-3,
        string labelColumnName = FaceColumnNames.Label,
        string scoreColumnName = FaceColumnNames.Score)
    {
        if (!(targetFar > 0 && targetFar <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(targetFar), targetFar, "The target false accept rate must be in (0, 1].");
        }

        (float[] scores, bool[] same) = ScoredPairsReader.Read(data, CalibrateOperation, labelColumnName, scoreColumnName);
        return WithColumnContext(CalibrateOperation, labelColumnName, scoreColumnName, () => ThresholdCalibrator.ForTargetFar(scores, same, targetFar));
    }

    /// <summary>
    /// Chooses the best-accuracy threshold (ties: the smallest); its <c>verification.source</c> reads
    /// <c>best-accuracy on N pairs</c> and the card gets no <c>verification.far</c>.
    /// </summary>
    /// <param name="data">Scored pairs.</param>
    /// <param name="labelColumnName">Ground truth: Boolean, true = same identity.</param>
    /// <param name="scoreColumnName">The score: Single (or Double).</param>
    /// <returns>The threshold and what it achieves on <paramref name="data"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or has the wrong type.</exception>
    /// <exception cref="ArgumentException">Labels all equal or a non-finite score.</exception>
    public ThresholdCalibration CalibrateThresholdForAccuracy(
        IDataView data,
        string labelColumnName = FaceColumnNames.Label,
        string scoreColumnName = FaceColumnNames.Score)
    {
        (float[] scores, bool[] same) = ScoredPairsReader.Read(data, CalibrateOperation, labelColumnName, scoreColumnName);
        return WithColumnContext(CalibrateOperation, labelColumnName, scoreColumnName, () => ThresholdCalibrator.ForBestAccuracy(scores, same));
    }

    /// <summary>
    /// An image folder (<c>DIR/&lt;identity&gt;/&lt;image&gt;</c>) as rows: <see cref="FaceColumnNames.ImagePath"/>
    /// (full path, text), <see cref="FaceColumnNames.Label"/> (key over the identities in ordinal name
    /// order, the names as key values) and <see cref="FaceColumnNames.Identity"/> (the folder name).
    /// Feed <c>ImagePath</c> to <c>LoadImages</c> with a null image folder.
    /// </summary>
    /// <param name="directory">The image folder.</param>
    /// <returns>One row per image, identities and images in ordinal order.</returns>
    /// <exception cref="FaceDataException">The folder is missing, or holds no identity or an empty identity.</exception>
    public IDataView LoadImageFolder(string directory) => LoadImageFolder(ImageFolder.Scan(directory));

    /// <summary>
    /// An image folder as rows (see <see cref="LoadImageFolder(string)"/>) after checking every image with a
    /// bad-input policy (<see cref="FaceFolderCheck"/>: each image is decoded once, nothing is kept). Under
    /// <see cref="BadImagePolicy.Skip"/> the rows hold only usable images and the labels cover only the
    /// identities that are kept, in ordinal order.
    /// </summary>
    /// <param name="directory">The image folder.</param>
    /// <param name="options">The policy and checks.</param>
    /// <returns>One row per usable image.</returns>
    /// <exception cref="FaceDataException">The folder cannot be scanned, bad input under <see cref="BadImagePolicy.Fail"/>,
    /// or no usable image is left.</exception>
    public IDataView LoadImageFolder(string directory, FaceFolderLoadOptions options) => LoadImageFolder(directory, options, out _);

    /// <summary>As <see cref="LoadImageFolder(string, FaceFolderLoadOptions)"/>, also giving what was left out and why.</summary>
    /// <param name="directory">The image folder.</param>
    /// <param name="options">The policy and checks.</param>
    /// <param name="report">Everything left out, converted, ignored or worth a warning.</param>
    /// <returns>One row per usable image.</returns>
    /// <exception cref="FaceDataException">The folder cannot be scanned, bad input under <see cref="BadImagePolicy.Fail"/>,
    /// or no usable image is left.</exception>
    public IDataView LoadImageFolder(string directory, FaceFolderLoadOptions options, out FaceDataReport report)
    {
        ArgumentNullException.ThrowIfNull(options);
        FaceFolderCheckResult checkedFolder = FaceFolderCheck.Run(directory, options);
        report = checkedFolder.Report;
        return LoadImageFolder(checkedFolder.Usable);
    }

    /// <summary>An already scanned image folder as rows (see <see cref="LoadImageFolder(string)"/>).</summary>
    /// <param name="scan">The scan.</param>
    /// <returns>One row per image.</returns>
    public IDataView LoadImageFolder(ImageFolderScan scan)
    {
        ArgumentNullException.ThrowIfNull(scan);
        return FaceDataViews.ImageFolder(Context, scan);
    }

    /// <summary>
    /// A pairs file in either format of docs/verification.md as rows: <see cref="FaceColumnNames.ImagePathA"/>,
    /// <see cref="FaceColumnNames.ImagePathB"/> (full paths), <see cref="FaceColumnNames.Label"/> (Boolean,
    /// true = same identity) and, for an LFW file with a <c>FOLDS&lt;TAB&gt;N</c> header,
    /// <see cref="FaceColumnNames.Fold"/> (Int32, 0-based) for <see cref="Evaluate"/>.
    /// </summary>
    /// <param name="pairsFile">The pairs file.</param>
    /// <param name="imageFolder">The image folder its paths and names refer to.</param>
    /// <returns>One row per pair, in file order.</returns>
    /// <exception cref="FaceDataException">A line is malformed or names a missing image; the message names the line.</exception>
    public IDataView LoadPairs(string pairsFile, string imageFolder) => LoadPairs(PairsFile.Read(pairsFile, imageFolder));

    /// <summary>An already parsed pairs file as rows (see <see cref="LoadPairs(string, string)"/>).</summary>
    /// <param name="pairs">The parsed file.</param>
    /// <returns>One row per pair.</returns>
    public IDataView LoadPairs(FacePairsFile pairs)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        return FaceDataViews.Pairs(Context, [.. pairs.Pairs.Select(p => (p.PathA, p.PathB, p.Same, p.Fold))], pairs.HasFolds);
    }

    /// <summary>
    /// A balanced, seeded pair set drawn from an image folder: <c>pairCount / 2</c> same-identity pairs and
    /// the rest different-identity pairs, no pair twice (<see cref="PairGenerator.Balanced"/>), as rows
    /// with the columns of <see cref="LoadPairs(string, string)"/> (no fold column).
    /// </summary>
    /// <param name="imageFolder">The image folder.</param>
    /// <param name="pairCount">The number of pairs, at least 2.</param>
    /// <param name="seed">Seeds the draw.</param>
    /// <returns>One row per pair.</returns>
    /// <exception cref="FaceDataException">The folder layout is wrong.</exception>
    /// <exception cref="ArgumentException">The folder cannot give that many pairs of each kind.</exception>
    public IDataView GeneratePairs(string imageFolder, int pairCount, int seed = 0) =>
        GeneratePairs(ImageFolder.Scan(imageFolder), pairCount, seed);

    /// <summary>A balanced, seeded pair set from an already scanned folder (see <see cref="GeneratePairs(string, int, int)"/>).</summary>
    /// <param name="scan">The scan.</param>
    /// <param name="pairCount">The number of pairs, at least 2.</param>
    /// <param name="seed">Seeds the draw.</param>
    /// <returns>One row per pair.</returns>
    public IDataView GeneratePairs(ImageFolderScan scan, int pairCount, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(scan);
        (string[] paths, int[] labels) = scan.LabelledFiles();

        IReadOnlyList<FacePair> pairs = PairGenerator.Balanced(labels, pairCount, seed);
        return FaceDataViews.Pairs(Context, [.. pairs.Select(p => (paths[p.IndexA], paths[p.IndexB], p.Same, (int?)null))], withFolds: false);
    }

    /// <summary>Runs a computation on read columns; data errors (e.g. all labels equal) get the operation and columns in front.</summary>
#pragma warning disable CA2208 // The wrapped error concerns the caller's data argument.
    private static T WithColumnContext<T>(string operation, string labelColumnName, string scoreColumnName, Func<T> compute)
    {
        try
        {
            return compute();
        }
        catch (ArgumentException e) when (e is not ArgumentOutOfRangeException)
        {
            string reason = e.ParamName is { } name ? e.Message.Replace($" (Parameter '{name}')", string.Empty, StringComparison.Ordinal) : e.Message;
            throw new ArgumentException(
                $"{operation} (label column '{labelColumnName}', score column '{scoreColumnName}'): {reason}", "data", e);
        }
    }
#pragma warning restore CA2208
}

#pragma warning restore CA1822

/// <summary>
/// The face recognition trainers of <see cref="FaceRecognitionCatalog.Trainers"/>. This class is the
/// extension point for KappaFace.MLNet.Trainer: it adds <c>KappaFace(...)</c>, <c>ArcFace(...)</c> and
/// <c>CosFace(...)</c> as extension methods on this type (loose arguments with defaults and an
/// <c>Options</c> overload, as ML.NET's trainers). This assembly does not depend on TorchSharp, so it
/// defines no trainer itself.
/// </summary>
public sealed class FaceRecognitionTrainers
{
    internal FaceRecognitionTrainers(MLContext mlContext) => Context = mlContext;

    /// <summary>The ML.NET context (seed, GPU device, log) trainers work in.</summary>
    public MLContext Context { get; }
}
