using System.Collections.ObjectModel;
using System.Globalization;
using System.Text;

namespace KappaFace.MLNet.Data;

/// <summary>
/// What checking an image folder found: every file or folder skipped, dropped, converted, ignored or
/// worth a warning, with a reason, plus counts, and a human summary (<see cref="Summary()"/>).
/// </summary>
public sealed class FaceDataReport
{
    /// <summary>Detail lines <see cref="Summary()"/> prints at most.</summary>
    public const int DefaultSummaryDetailLines = 40;

    // The order of the summary's count lines and detail lines: what was left out first.
    private static readonly FaceDataAction[] ActionOrder =
        [FaceDataAction.Skipped, FaceDataAction.Dropped, FaceDataAction.Warning, FaceDataAction.Converted, FaceDataAction.Ignored];

    /// <summary>Creates a report.</summary>
    /// <param name="directory">The full path of the image folder.</param>
    /// <param name="policy">The policy that was applied.</param>
    /// <param name="imagesFound">Image files found in identity folders.</param>
    /// <param name="identitiesFound">Identity folders found (including empty or unreadable ones).</param>
    /// <param name="imagesUsed">Images kept.</param>
    /// <param name="identitiesUsed">Identities kept.</param>
    /// <param name="issues">The issues, in label order within each kind of action.</param>
    public FaceDataReport(
        string directory,
        BadImagePolicy policy,
        int imagesFound,
        int identitiesFound,
        int imagesUsed,
        int identitiesUsed,
        IReadOnlyList<FaceDataIssue> issues)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(issues);
        Directory = directory;
        Policy = policy;
        ImagesFound = imagesFound;
        IdentitiesFound = identitiesFound;
        ImagesUsed = imagesUsed;
        IdentitiesUsed = identitiesUsed;
        Issues = issues;
        var counts = new SortedDictionary<FaceDataIssueKind, int>();
        foreach (FaceDataIssue issue in issues)
        {
            counts[issue.Kind] = counts.GetValueOrDefault(issue.Kind) + 1;
        }

        Counts = new ReadOnlyDictionary<FaceDataIssueKind, int>(counts);
    }

    /// <summary>The full path of the image folder.</summary>
    public string Directory { get; }

    /// <summary>The policy that was applied.</summary>
    public BadImagePolicy Policy { get; }

    /// <summary>Image files found in identity folders (before any was left out).</summary>
    public int ImagesFound { get; }

    /// <summary>Identity folders found, including empty or unreadable ones.</summary>
    public int IdentitiesFound { get; }

    /// <summary>Images kept.</summary>
    public int ImagesUsed { get; }

    /// <summary>Identities kept.</summary>
    public int IdentitiesUsed { get; }

    /// <summary>Every issue found.</summary>
    public IReadOnlyList<FaceDataIssue> Issues { get; }

    /// <summary>The number of issues of each kind found (kinds not found are absent).</summary>
    public IReadOnlyDictionary<FaceDataIssueKind, int> Counts { get; }

    /// <summary>The number of issues of one kind.</summary>
    /// <param name="kind">The kind.</param>
    /// <returns>The count, zero when none.</returns>
    public int Count(FaceDataIssueKind kind) => Counts.GetValueOrDefault(kind);

    /// <summary>The issues of one kind, in label order.</summary>
    /// <param name="kind">The kind.</param>
    /// <returns>The issues.</returns>
    public IEnumerable<FaceDataIssue> Of(FaceDataIssueKind kind) => Issues.Where(issue => issue.Kind == kind);

    /// <summary>The summary with at most <see cref="DefaultSummaryDetailLines"/> detail lines.</summary>
    /// <returns>The multi-line summary.</returns>
    public string Summary() => Summary(DefaultSummaryDetailLines);

    /// <summary>
    /// A multi-line summary: the folder and policy, images and identities found and used, counts per
    /// action and kind, then one line per issue (<c>kind  relative/path: reason</c>), skipped first.
    /// </summary>
    /// <param name="maxDetailLines">Issue lines printed at most; the rest are counted.</param>
    /// <returns>The multi-line summary.</returns>
    public string Summary(int maxDetailLines)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxDetailLines);
        var text = new StringBuilder();
        string policy = Policy == BadImagePolicy.Skip ? "skip" : "fail";
        text.AppendLine(CultureInfo.InvariantCulture, $"Image folder {Directory} (on bad image: {policy})");
        text.AppendLine(CultureInfo.InvariantCulture,
            $"  found {ImagesFound} images in {IdentitiesFound} identities; using {ImagesUsed} images of {IdentitiesUsed} identities");
        foreach (FaceDataAction action in ActionOrder)
        {
            var kinds = Counts.Where(pair => FaceDataIssueKinds.ActionOf(pair.Key) == action).ToList();
            if (kinds.Count > 0)
            {
                string label = action.ToString().ToLowerInvariant() + ":";
                text.AppendLine(CultureInfo.InvariantCulture,
                    $"  {label,-11}{string.Join(", ", kinds.Select(pair => CountText(pair.Key, pair.Value)))}");
            }
        }

        int printed = 0;
        foreach (FaceDataIssue issue in Issues.OrderBy(issue => Array.IndexOf(ActionOrder, issue.Action)))
        {
            if (printed == maxDetailLines)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"  ... and {Issues.Count - printed} more (see FaceDataReport.Issues or --json)");
                break;
            }

            text.AppendLine(CultureInfo.InvariantCulture,
                $"  {FaceDataIssueKinds.NameOf(issue.Kind),-25}{RelativePath(issue.Path)}: {issue.Reason}");
            printed++;
        }

        return text.ToString();
    }

    /// <inheritdoc/>
    public override string ToString() => Summary();

    // "3 zero-byte", but "4" after "converted:" and "ignored:", whose kind is the action itself.
    private static string CountText(FaceDataIssueKind kind, int count) =>
        kind is FaceDataIssueKind.Converted or FaceDataIssueKind.Ignored
            ? count.ToString(CultureInfo.InvariantCulture)
            : string.Create(CultureInfo.InvariantCulture, $"{count} {FaceDataIssueKinds.NameOf(kind)}");

    private string RelativePath(string path)
    {
        string relative = Path.GetRelativePath(Directory, path);
        return relative.StartsWith("..", StringComparison.Ordinal) ? path : relative;
    }
}
