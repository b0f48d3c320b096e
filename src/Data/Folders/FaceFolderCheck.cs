namespace KappaFace.MLNet.Data;

/// <summary>
/// Checks an image folder without keeping any pixels: every image is decoded once, in parallel, and
/// dropped; the result is the list of usable files and the report. For trainers that stream images from
/// disk rather than load them with <see cref="FaceImageSet.LoadFolder(string, int, FaceFolderLoadOptions, out FaceDataReport, IProgress{int})"/>.
/// </summary>
public static class FaceFolderCheck
{
    /// <summary>Scans <paramref name="directory"/> (empty identity folders allowed) and checks it.</summary>
    /// <param name="directory">The image folder.</param>
    /// <param name="options">The policy and checks; null for the defaults.</param>
    /// <param name="progress">Receives the number of images checked so far.</param>
    /// <returns>The usable folder (identities in ordinal order, so labels are deterministic) and the report.</returns>
    /// <exception cref="FaceDataException">The folder cannot be scanned, bad input is found under
    /// <see cref="BadImagePolicy.Fail"/> (<see cref="FaceDataException.Report"/> holds all of it), or nothing usable is left.</exception>
    public static FaceFolderCheckResult Run(string directory, FaceFolderLoadOptions? options = null, IProgress<int>? progress = null) =>
        Run(ImageFolder.Scan(directory, allowUnusableIdentities: true), options, progress);

    /// <summary>Checks an already scanned folder.</summary>
    /// <param name="scan">The scan, e.g. from <see cref="ImageFolder.Scan(string, bool)"/>.</param>
    /// <param name="options">The policy and checks; null for the defaults.</param>
    /// <param name="progress">Receives the number of images checked so far.</param>
    /// <returns>The usable folder and the report.</returns>
    /// <exception cref="FaceDataException">Bad input under <see cref="BadImagePolicy.Fail"/>, or nothing usable is left.</exception>
    public static FaceFolderCheckResult Run(ImageFolderScan scan, FaceFolderLoadOptions? options = null, IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(scan);
        options ??= new FaceFolderLoadOptions();
        var checks = FaceImageDecoder.DecodeChecks.From(options);
        ImageFolderLoader.FileOutcome[] outcomes = ImageFolderLoader.DecodeAll(
            scan.LabelledFiles().Files, options, progress, (_, file) => FaceImageDecoder.DecodeInto(file, 1, [], checks));
        FaceFolderAudit.Result audit = FaceFolderAudit.Decide(scan, outcomes, options);
        return new FaceFolderCheckResult(audit.Usable, audit.Report);
    }
}

/// <summary>The outcome of <see cref="FaceFolderCheck.Run(ImageFolderScan, FaceFolderLoadOptions?, IProgress{int}?)"/>.</summary>
/// <param name="Usable">The identities and images to use, in label order.</param>
/// <param name="Report">What was left out, converted, ignored or is worth a warning.</param>
public sealed record FaceFolderCheckResult(ImageFolderScan Usable, FaceDataReport Report);
