using System.CommandLine;
using System.Text.Json.Nodes;
using KappaFace.MLNet.Cli.Output;
using KappaFace.MLNet.Data;
using KappaFace.MLNet.Data.Alignment;
using KappaFace.MLNet.Trainer.Training;

namespace KappaFace.MLNet.Cli.Commands;

/// <summary>
/// <c>train --detector</c>: the photos of <c>--data</c> aligned at the training image size into a folder the
/// trainer then reads (<see cref="AlignedFolderCache"/>): inside <c>--checkpoint-dir</c> when given, so a
/// resumed run finds it, otherwise beside the model (<c>MODEL.aligned-faces</c>). Reused while the detector,
/// the settings and the photos are unchanged.
/// </summary>
internal static class TrainingPhotos
{
    /// <summary>The aligned folder's name inside a checkpoint folder.</summary>
    public const string FolderName = "aligned-faces";

    /// <summary>Where the aligned photos of a run live.</summary>
    public static string Location(string? checkpointDirectory, string? modelPath) =>
        checkpointDirectory is { } dir
            ? Path.Combine(dir, FolderName)
            : Path.Combine(Path.GetDirectoryName(Path.GetFullPath(modelPath!))!, $"{Path.GetFileNameWithoutExtension(modelPath)}.{FolderName}");

    /// <summary>Aligns (or reuses) the photos; the summary goes to standard error.</summary>
    public static AlignedFolder Align(
        PhotoOptions photos, ParseResult parse, string dataFolder, FaceTrainerOptions options, string? modelPath, BadImagePolicy onBadImage, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(photos);
        ArgumentNullException.ThrowIfNull(options);
        string target = Location(options.CheckpointDirectory, modelPath);
        var bar = new AlignmentProgressBar();
        AlignedFolder aligned;
        try
        {
            aligned = photos.Explained(() => AlignedFolderCache.Prepare(
                photos.DetectorPath(parse)!, photos.DetectorSettings(parse, options.Device), dataFolder, target,
                photos.Alignment(parse, onBadImage) with { Size = options.ImageSize }, bar, cancel));
        }
        finally
        {
            bar.Finish();
        }

        Console.Error.WriteLine(aligned.Reused
            ? $"Reusing the aligned photos in {aligned.Path} (detector, settings and photos unchanged)."
            : $"Aligned the photos of {dataFolder} into {aligned.Path}.");
        Console.Error.Write(AlignCommand.Summary(aligned.Report));
        return aligned;
    }

    /// <summary>The <c>alignment</c> entry of <c>train --json</c>: the align report plus the folder and whether it was reused.</summary>
    public static JsonObject ToJson(AlignedFolder aligned)
    {
        ArgumentNullException.ThrowIfNull(aligned);
        var json = AlignCommand.ToJson(aligned.Report);
        json["folder"] = aligned.Path;
        json["reused"] = aligned.Reused;
        return json;
    }
}
