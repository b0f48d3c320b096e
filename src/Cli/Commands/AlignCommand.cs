using System.CommandLine;
using System.Text.Json.Nodes;
using KappaFace.MLNet.Cli.Output;
using KappaFace.MLNet.Data;
using KappaFace.MLNet.Data.Alignment;

namespace KappaFace.MLNet.Cli.Commands;

/// <summary>
/// <c>kappaface align</c>: a folder of photos into a folder of aligned face crops (<see cref="FolderAligner"/>),
/// with progress and a summary on standard error and the JSON report of docs/cli.md.
/// </summary>
internal static class AlignCommand
{
    public static Command Create()
    {
        var photos = new PhotoOptions(required: true, allFaces: true, detectorUse: string.Empty);
        var data = new Option<DirectoryInfo>("--data") { Description = "The folder of photos (subfolders kept).", Required = true };
        var output = new Option<DirectoryInfo>("--out") { Description = "The folder the crops are written to.", Required = true };
        var size = new Option<int>("--size") { Description = "Crop side in pixels (the ArcFace template is scaled to it).", DefaultValueFactory = _ => 112 };
        var onBadImage = BadImageOption.Create();
        var json = new JsonOption("the report");
        var device = DeviceOption.Create();
        var command = new Command("align", "Detect faces in a folder of photos and write 5-point aligned crops.") { data, output, size, onBadImage, json.Option, device };
        photos.AddTo(command);
        command.SetAction((parse, token) => CommandRunner.RunAsync(cancel =>
        {
            var options = photos.Alignment(parse, BadImageOption.ReadPolicy(parse, onBadImage)) with { Size = parse.GetValue(size) };
            if (options.Size < 16)
            {
                throw new ArgumentException($"--size {options.Size} is too small; crops need at least 16 pixels.");
            }

            using var detector = photos.Open(parse, DeviceOption.Read(parse, device))!;
            var bar = new AlignmentProgressBar();
            FolderAlignmentReport report;
            try
            {
                report = photos.Explained(() => FolderAligner.Run(detector, parse.GetValue(data)!.FullName, parse.GetValue(output)!.FullName, options, bar, cancel));
            }
            catch (FaceDataException e) when (e.Kind is not null && e.Path is not null)
            {
                throw new FaceDataException(e.Path, e.Reason + "; --on-bad-image skip leaves bad files out and lists them", e);
            }
            finally
            {
                bar.Finish();
            }

            Console.Error.Write(Summary(report));
            json.Write(parse, ToJson(report));

            return CommandRunner.Ok;
        }, token));
        return command;
    }

    /// <summary>The human-readable summary: counts, then every skipped photo, dropped face, multi-face photo and conversion.</summary>
    public static string Summary(FolderAlignmentReport r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var lines = new List<string>
        {
            $"Aligned {r.Aligned} of {r.Images} images ({r.Crops} crops, {r.ImagesPerSecond:F1} images/s): "
            + $"{r.NoFace} without a face, {r.DegenerateLandmarks} with only degenerate landmarks, {r.MultipleFaces} with several faces, "
            + $"{r.Unreadable} unreadable, {r.CutByBorder} crops of faces cut by the border.",
        };
        lines.AddRange(PhotoOptions.Lines(r.Skipped, r.DroppedFaces));
        lines.AddRange(r.Multiple.Select(m => $"  {m.Faces} faces in {m.Path}"));
        lines.AddRange(r.Converted.Select(c => $"  converted {c.Path}: {c.Conversion}"));
        if (r.PairsFile is { } pairs)
        {
            lines.Add($"{FolderAligner.PairsFileName}: {pairs.Note}.");
        }

        return string.Join(Environment.NewLine, lines) + Environment.NewLine;
    }

    /// <summary>The <c>align --json</c> document (docs/cli.md, docs/alignment.md).</summary>
    public static JsonObject ToJson(FolderAlignmentReport r)
    {
        ArgumentNullException.ThrowIfNull(r);
        return new JsonObject
        {
            ["images"] = r.Images,
            ["aligned"] = r.Aligned,
            ["crops"] = r.Crops,
            ["noFace"] = r.NoFace,
            ["degenerateLandmarks"] = r.DegenerateLandmarks,
            ["multipleFaces"] = r.MultipleFaces,
            ["unreadable"] = r.Unreadable,
            ["cutByBorder"] = r.CutByBorder,
            ["imagesPerSecond"] = r.ImagesPerSecond,
            ["skipped"] = PhotoOptions.ToJson(r.Skipped),
            ["droppedFaces"] = PhotoOptions.ToJson(r.DroppedFaces),
            ["multiple"] = new JsonArray([.. r.Multiple.Select(m => (JsonNode)new JsonObject { ["path"] = m.Path, ["faces"] = m.Faces })]),
            ["converted"] = new JsonArray([.. r.Converted.Select(c => (JsonNode)new JsonObject { ["path"] = c.Path, ["conversion"] = c.Conversion })]),
            ["pairsFile"] = r.PairsFile is { } p
                ? new JsonObject { ["action"] = p.Action.ToString().ToLowerInvariant(), ["pairs"] = p.Pairs, ["dropped"] = p.Dropped, ["foldsLost"] = p.FoldsLost, ["note"] = p.Note }
                : null,
        };
    }
}
