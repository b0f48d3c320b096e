using System.CommandLine;
using KappaFace.MLNet.Data;

namespace KappaFace.MLNet.Cli.Commands;

/// <summary>
/// <c>--on-bad-image skip|fail</c> of <c>train</c>, <c>evaluate</c> and <c>calibrate</c>, and the folder
/// load and check that apply it, printing the data summary to standard error.
/// </summary>
internal static class BadImageOption
{
    public const string Fail = "fail";
    public const string Skip = "skip";

    private const string Hint = "; --on-bad-image skip leaves bad input out and lists it";

    public static Option<string> Create()
    {
        var option = new Option<string>("--on-bad-image")
        {
            Description = "What to do with corrupt, empty, non-image, unsupported, tiny or cross-identity duplicate images and empty identity folders: "
                + "fail (stop, naming the first) or skip (leave them out and list them).",
            DefaultValueFactory = _ => Fail,
        };
        option.AcceptOnlyFromAmong(Fail, Skip);
        return option;
    }

    /// <summary>The load options the option asks for (the library's defaults otherwise).</summary>
    public static FaceFolderLoadOptions Read(ParseResult parse, Option<string> option) => new() { OnBadImage = Policy(parse, option) };

    /// <summary>The policy the option names.</summary>
    public static BadImagePolicy Policy(ParseResult parse, Option<string> option) =>
        parse.GetValue(option) == Skip ? BadImagePolicy.Skip : BadImagePolicy.Fail;

    /// <summary>Loads a training folder with the policy; the summary goes to standard error either way.</summary>
    public static FaceImageSet LoadFolder(string folder, int imageSize, FaceFolderLoadOptions options, out FaceDataReport report)
    {
        FaceDataReport found;
        FaceImageSet set;
        try
        {
            set = FaceImageSet.LoadFolder(folder, imageSize, options, out found);
        }
        catch (FaceDataException e) when (e.Report is not null)
        {
            throw Explained(e, options);
        }

        WriteSummary(found);
        report = found;
        return set;
    }

    /// <summary>Checks a folder without keeping pixels (for streamed training); the summary goes to standard error.</summary>
    public static FaceFolderCheckResult Check(string folder, FaceFolderLoadOptions options) =>
        Check(() => FaceFolderCheck.Run(folder, options), options);

    /// <summary>Checks a scanned folder without keeping pixels (for pair scoring); the summary goes to standard error.</summary>
    public static FaceFolderCheckResult Check(ImageFolderScan scan, FaceFolderLoadOptions options) =>
        Check(() => FaceFolderCheck.Run(scan, options), options);

    private static FaceFolderCheckResult Check(Func<FaceFolderCheckResult> run, FaceFolderLoadOptions options)
    {
        try
        {
            FaceFolderCheckResult result = run();
            WriteSummary(result.Report);
            return result;
        }
        catch (FaceDataException e) when (e.Report is not null)
        {
            throw Explained(e, options);
        }
    }

    /// <summary>
    /// Checks the distinct images of a pairs file with the policy (grouped by folder, as identities) and keeps
    /// the pairs whose two images are usable. Under Fail a bad image stops the run; under Skip its pairs are
    /// dropped and counted on standard error.
    /// </summary>
    public static (string[] PathsA, string[] PathsB, bool[] Same, int[]? Folds) DropPairsWithBadImages(
        string dataFolder, string[] pathsA, string[] pathsB, bool[] same, int[]? folds, FaceFolderLoadOptions options)
    {
        var identities = pathsA.Concat(pathsB)
            .Distinct(StringComparer.Ordinal)
            .GroupBy(path => Path.GetDirectoryName(path) ?? string.Empty, StringComparer.Ordinal)
            .OrderBy(group => group.Key, StringComparer.Ordinal)
            .Select(group => new ImageFolderIdentity(
                Path.GetRelativePath(dataFolder, group.Key), group.Key, [.. group.Order(StringComparer.Ordinal)]))
            .ToList();
        FaceDataReport report = Check(new ImageFolderScan(Path.GetFullPath(dataFolder), identities, []), options).Report;
        var bad = report.Issues.Where(issue => FaceDataIssueKinds.IsBad(issue.Kind)).Select(issue => issue.Path).ToHashSet(StringComparer.Ordinal);
        if (bad.Count == 0)
        {
            return (pathsA, pathsB, same, folds);
        }

        int[] kept = [.. Enumerable.Range(0, same.Length).Where(p => !bad.Contains(pathsA[p]) && !bad.Contains(pathsB[p]))];
        Console.Error.WriteLine($"Dropped {same.Length - kept.Length} of {same.Length} pairs that name a skipped image.");
        if (kept.Length == 0)
        {
            throw new FaceDataException("Every pair names a skipped image: nothing is left to score.");
        }

        return ([.. kept.Select(p => pathsA[p])], [.. kept.Select(p => pathsB[p])], [.. kept.Select(p => same[p])], folds is null ? null : [.. kept.Select(p => folds[p])]);
    }

    // A clean folder (at most ignored files) says nothing, so one-line errors stay one line.
    private static void WriteSummary(FaceDataReport report)
    {
        if (report.Issues.Any(issue => issue.Action != FaceDataAction.Ignored))
        {
            Console.Error.Write(report.Summary());
        }
    }

    // Shows everything that was found, then the one-line error (with the way out under Fail).
    private static FaceDataException Explained(FaceDataException e, FaceFolderLoadOptions options)
    {
        Console.Error.Write(e.Report!.Summary());
        return options.OnBadImage == BadImagePolicy.Fail && e.Kind is not null
            ? new FaceDataException(e.Path ?? string.Empty, e.Reason + Hint, e)
            : e;
    }
}
