using System.Globalization;

namespace KappaFace.MLNet.Data;

/// <summary>
/// Applies the bad-input policy to a decoded folder: classifies every failure, finds byte-identical
/// duplicates, drops identities left without images, and either throws (Fail) or returns what to keep
/// and the report (Skip). The policy table is docs/reliability.md (Bad input).
/// </summary>
internal static class FaceFolderAudit
{
    /// <summary>What to keep, the usable folder, and the report.</summary>
    /// <param name="Keep">Per file of the scan, in label order: true when it is used.</param>
    /// <param name="Usable">The scan with only the usable identities and images.</param>
    /// <param name="Report">Everything left out, converted, ignored or worth a warning.</param>
    public sealed record Result(bool[] Keep, ImageFolderScan Usable, FaceDataReport Report);

    /// <summary>Decides what is kept.</summary>
    /// <exception cref="FaceDataException">Bad input under <see cref="BadImagePolicy.Fail"/> (naming the first in label
    /// order), or no usable image is left.</exception>
    public static Result Decide(ImageFolderScan scan, IReadOnlyList<ImageFolderLoader.FileOutcome> outcomes, FaceFolderLoadOptions options)
    {
        (string[] files, int[] identityOf) = scan.LabelledFiles();
        var keep = new bool[files.Length];
        var found = new List<Found>();
        for (int i = 0; i < files.Length; i++)
        {
            FaceDataException? failure = outcomes[i].Failure;
            keep[i] = failure is null;
            if (failure is not null)
            {
                found.Add(new Found(scan.Identities[identityOf[i]].Name, i, new FaceDataIssue(failure.Kind ?? FaceDataIssueKind.Corrupt, files[i], failure.Reason)));
            }
        }

        if (options.DetectDuplicates)
        {
            FindDuplicates(scan, files, identityOf, outcomes, keep, found);
        }

        foreach (FaceDataIssue unusable in scan.UnusableIdentities)
        {
            found.Add(new Found(Path.GetFileName(unusable.Path), -1, unusable));
        }

        int identitiesFound = scan.Identities.Count + scan.UnusableIdentities.Count;
        if (options.OnBadImage == BadImagePolicy.Fail)
        {
            ThrowIfAnyBad(scan, outcomes, found, identitiesFound);
        }

        List<ImageFolderIdentity> usable = KeptIdentities(scan, files, outcomes, keep, found);
        List<FaceDataIssue> issues = InLabelOrder(found);
        issues.AddRange(scan.IgnoredPaths.Select(IgnoredIssue));
        var usableScan = new ImageFolderScan(scan.Directory, usable.AsReadOnly(), scan.IgnoredPaths);
        var report = new FaceDataReport(scan.Directory, options.OnBadImage, scan.ImageCount, identitiesFound, usableScan.ImageCount, usable.Count, issues.AsReadOnly());
        if (usable.Count == 0)
        {
            throw new FaceDataException(scan.Directory, "no usable images: every image and identity folder was left out as bad input (see the report)")
            {
                Report = report,
            };
        }

        return new Result(keep, usableScan, report);
    }

    // Under Fail: the first bad input in label order, with a count of the others and the full report.
    private static void ThrowIfAnyBad(ImageFolderScan scan, IReadOnlyList<ImageFolderLoader.FileOutcome> outcomes, List<Found> found, int identitiesFound)
    {
        List<FaceDataIssue> issues = InLabelOrder(found);
        List<FaceDataIssue> bad = issues.Where(issue => FaceDataIssueKinds.IsBad(issue.Kind)).ToList();
        if (bad.Count == 0)
        {
            return;
        }

        FaceDataIssue first = bad[0];
        string more = bad.Count == 1 ? string.Empty : $" (and {bad.Count - 1} more bad image(s) or folder(s) in this folder)";
        issues.AddRange(scan.IgnoredPaths.Select(IgnoredIssue));
        var report = new FaceDataReport(scan.Directory, BadImagePolicy.Fail, scan.ImageCount, identitiesFound, 0, 0, issues.AsReadOnly());
        FaceDataException? cause = outcomes.Select(outcome => outcome.Failure).FirstOrDefault(failure => failure?.Path == first.Path);
        throw new FaceDataException(first.Path, first.Kind, first.Reason + more, cause) { Report = report };
    }

    // The identities with their kept images, in label order; records conversions, empty and single-image identities.
    private static List<ImageFolderIdentity> KeptIdentities(
        ImageFolderScan scan, string[] files, IReadOnlyList<ImageFolderLoader.FileOutcome> outcomes, bool[] keep, List<Found> found)
    {
        var usable = new List<ImageFolderIdentity>();
        int start = 0;
        foreach (ImageFolderIdentity identity in scan.Identities)
        {
            var kept = new List<string>();
            for (int i = start; i < start + identity.Images.Count; i++)
            {
                if (!keep[i])
                {
                    continue;
                }

                kept.Add(files[i]);
                if (outcomes[i].Decoded.Conversion is { } conversion)
                {
                    found.Add(new Found(identity.Name, i, new FaceDataIssue(FaceDataIssueKind.Converted, files[i], $"converted to 8-bit RGB: {conversion}")));
                }
            }

            start += identity.Images.Count;
            int after = start; // identity-level entries follow the identity's images
            if (kept.Count == 0)
            {
                found.Add(new Found(identity.Name, after, new FaceDataIssue(FaceDataIssueKind.IdentityWithoutImages, identity.Directory,
                    $"identity '{identity.Name}' is dropped: none of its {identity.Images.Count} image(s) is usable")));
                continue;
            }

            if (kept.Count == 1)
            {
                found.Add(new Found(identity.Name, after, new FaceDataIssue(FaceDataIssueKind.SingleImageIdentity, identity.Directory,
                    $"identity '{identity.Name}' has one usable image: kept as a training class, but it gives no same-identity pair for verification")));
            }

            usable.Add(identity with { Images = kept.AsReadOnly() });
        }

        return usable;
    }

    private static void FindDuplicates(
        ImageFolderScan scan,
        string[] files,
        int[] identityOf,
        IReadOnlyList<ImageFolderLoader.FileOutcome> outcomes,
        bool[] keep,
        List<Found> found)
    {
        var byHash = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (int i = 0; i < files.Length; i++)
        {
            if (keep[i] && outcomes[i].Decoded.Hash is { } hash)
            {
                string key = Convert.ToHexString(hash);
                if (!byHash.TryGetValue(key, out List<int>? copies))
                {
                    byHash[key] = copies = [];
                }

                copies.Add(i);
            }
        }

        foreach (List<int> copies in byHash.Values.Where(copies => copies.Count > 1))
        {
            string Name(int i) => scan.Identities[identityOf[i]].Name;
            int identities = copies.Select(i => identityOf[i]).Distinct().Count();
            if (identities == 1)
            {
                // The same file twice in one identity adds nothing but weight: keep the first copy.
                foreach (int i in copies.Skip(1))
                {
                    keep[i] = false;
                    found.Add(new Found(Name(i), i, new FaceDataIssue(FaceDataIssueKind.Duplicate, files[i],
                        $"is byte-identical to '{Path.GetFileName(files[copies[0]])}' of the same identity; the first copy is kept")));
                }

                continue;
            }

            // One picture under two names cannot tell which label is right, so no copy is trusted.
            foreach (int i in copies)
            {
                keep[i] = false;
                string others = string.Join(", ", copies.Where(j => j != i).Select(j => $"'{Name(j)}/{Path.GetFileName(files[j])}'"));
                found.Add(new Found(Name(i), i, new FaceDataIssue(FaceDataIssueKind.CrossIdentityDuplicate, files[i],
                    string.Create(CultureInfo.InvariantCulture, $"is byte-identical to {others}: one picture under {identities} identities is a labelling error"))));
            }
        }
    }

    private static FaceDataIssue IgnoredIssue(string path)
    {
        if (Directory.Exists(path))
        {
            return new FaceDataIssue(FaceDataIssueKind.Ignored, path, "folder not used (hidden, or nested inside an identity folder)");
        }

        string extension = Path.GetExtension(path);
        return new FaceDataIssue(FaceDataIssueKind.Ignored, path, extension.Length == 0
            ? "file without an extension is not loaded (png, jpg, jpeg, bmp, webp)"
            : $"extension '{extension}' is not loaded (png, jpg, jpeg, bmp, webp); convert the file to use it");
    }

    // Identity names in ordinal order (the label order, with unusable folders in their place), then file order.
    private static List<FaceDataIssue> InLabelOrder(List<Found> found) =>
        found.OrderBy(f => f.Identity, StringComparer.Ordinal).ThenBy(f => f.Order).Select(f => f.Issue).ToList();

    private readonly record struct Found(string Identity, int Order, FaceDataIssue Issue);
}
