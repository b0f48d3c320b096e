using System.Globalization;

namespace KappaFace.MLNet.Data;

/// <summary>
/// The labelled pairs of a verification run, checked for bad images: read from a pairs file or drawn from a
/// folder (<see cref="Load"/>), with where they came from and what the bad-image policy did.
/// </summary>
public sealed class VerificationPairs
{
    private VerificationPairs(IReadOnlyList<FacePairEntry> pairs, bool hasFolds, string source, FaceDataReport report, int droppedPairs)
    {
        Pairs = pairs;
        HasFolds = hasFolds;
        Source = source;
        Report = report;
        DroppedPairs = droppedPairs;
    }

    /// <summary>The pairs, in file order or in the order drawn; paths are full paths.</summary>
    public IReadOnlyList<FacePairEntry> Pairs { get; }

    /// <summary>True when every pair has the fold its pairs file gave it (LFW header).</summary>
    public bool HasFolds { get; }

    /// <summary>Where the pairs came from: the pairs file, or how many were drawn from the folder with which seed.</summary>
    public string Source { get; }

    /// <summary>The check of the images the pairs use: what was skipped, converted or is worth a warning.</summary>
    public FaceDataReport Report { get; }

    /// <summary>Pairs of the pairs file left out because they name an image skipped under <see cref="BadImagePolicy.Skip"/>.</summary>
    public int DroppedPairs { get; }

    /// <summary>Reads or draws the pairs and checks their images with <see cref="VerificationPairsOptions.DataChecks"/>.</summary>
    /// <param name="options">The folder, the pairs file or the draw, and the checks.</param>
    /// <returns>The usable pairs.</returns>
    /// <exception cref="FaceDataException">The folder or pairs file is missing or malformed, bad input is found under
    /// <see cref="BadImagePolicy.Fail"/> (<see cref="FaceDataException.Report"/> holds all of it), or no pair is left.</exception>
    /// <exception cref="ArgumentException">More pairs are asked for than the folder can give.</exception>
    public static VerificationPairs Load(VerificationPairsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(options.ImageFolder);
        options.DataChecks.Validate();
        if (!Directory.Exists(options.ImageFolder))
        {
            throw new FaceDataException($"The data folder '{options.ImageFolder}' does not exist.");
        }

        return options.PairsFile is null ? Drawn(options) : FromFile(options.PairsFile, options);
    }

    private static VerificationPairs Drawn(VerificationPairsOptions options)
    {
        FaceFolderCheckResult checkedFolder = FaceFolderCheck.Run(ImageFolder.Scan(options.ImageFolder, allowUnusableIdentities: true), options.DataChecks);
        ImageFolderScan scan = checkedFolder.Usable;
        long possible = Math.Min(SamePairs(scan), DifferentPairs(scan));
        int count = options.PairCount ?? (int)Math.Min(VerificationPairsOptions.DefaultGeneratedPairs, 2 * Math.Min(int.MaxValue / 2, possible));
        if (count < 2)
        {
            throw new FaceDataException(
                $"The data folder '{options.ImageFolder}' cannot give a same-identity and a different-identity pair (it needs two identities and one with two images).");
        }

        (string[] paths, int[] labels) = scan.LabelledFiles();
        FacePairEntry[] pairs = [.. PairGenerator.Balanced(labels, count, options.Seed)
            .Select(p => new FacePairEntry(paths[p.IndexA], paths[p.IndexB], p.Same, null, 0))];
        string source = string.Create(CultureInfo.InvariantCulture, $"{count} balanced pairs drawn from the folder (seed {options.Seed})");
        return new VerificationPairs(pairs, hasFolds: false, source, checkedFolder.Report, droppedPairs: 0);
    }

    private static VerificationPairs FromFile(string pairsFile, VerificationPairsOptions options)
    {
        if (!File.Exists(pairsFile))
        {
            throw new FaceDataException($"The pairs file '{pairsFile}' does not exist.");
        }

        FacePairsFile file = PairsFile.Read(pairsFile, options.ImageFolder);
        FaceDataReport report = CheckImages(file.Pairs, options);
        var bad = report.Issues.Where(issue => FaceDataIssueKinds.IsBad(issue.Kind)).Select(issue => issue.Path).ToHashSet(StringComparer.Ordinal);
        FacePairEntry[] kept = [.. file.Pairs.Where(p => !bad.Contains(p.PathA) && !bad.Contains(p.PathB))];
        if (kept.Length == 0)
        {
            throw new FaceDataException("Every pair names a skipped image: nothing is left to score.") { Report = report };
        }

        return new VerificationPairs(kept, file.HasFolds, pairsFile, report, file.Pairs.Count - kept.Length);
    }

    /// <summary>
    /// Checks the distinct images of the pairs with the policy, grouped by folder as identities; under
    /// <see cref="BadImagePolicy.Fail"/> a bad image stops the run.
    /// </summary>
    private static FaceDataReport CheckImages(IReadOnlyList<FacePairEntry> pairs, VerificationPairsOptions options)
    {
        var identities = pairs.SelectMany(p => new[] { p.PathA, p.PathB })
            .Distinct(StringComparer.Ordinal)
            .GroupBy(path => Path.GetDirectoryName(path) ?? string.Empty, StringComparer.Ordinal)
            .OrderBy(group => group.Key, StringComparer.Ordinal)
            .Select(group => new ImageFolderIdentity(
                Path.GetRelativePath(options.ImageFolder, group.Key), group.Key, [.. group.Order(StringComparer.Ordinal)]))
            .ToList();
        return FaceFolderCheck.Run(new ImageFolderScan(Path.GetFullPath(options.ImageFolder), identities, []), options.DataChecks).Report;
    }

    private static long SamePairs(ImageFolderScan scan) => scan.Identities.Sum(i => (long)i.Images.Count * (i.Images.Count - 1) / 2);

    private static long DifferentPairs(ImageFolderScan scan)
    {
        long total = scan.ImageCount;
        return (total * (total - 1) / 2) - SamePairs(scan);
    }
}
