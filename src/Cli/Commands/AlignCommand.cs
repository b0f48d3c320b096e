using System.CommandLine;
using System.Text.Json.Nodes;
using KappaFace.MLNet.Cli.Output;
using KappaFace.MLNet.Data;
using KappaFace.MLNet.Data.Alignment;
using KappaFace.MLNet.Data.Detection;

namespace KappaFace.MLNet.Cli.Commands;

/// <summary>
/// <c>kappaface align</c>: a folder of photos into a folder of aligned face crops (<see cref="FolderAligner"/>),
/// with progress and a summary on standard error and the JSON report of docs/cli.md.
/// </summary>
internal static class AlignCommand
{
    private const string Hint = "; --on-no-face skip leaves such photos out and lists them";

    public static Command Create()
    {
        var detector = DetectorOptions.Detector(required: true);
        var data = new Option<DirectoryInfo>("--data") { Description = "The folder of photos (subfolders kept).", Required = true };
        var output = new Option<DirectoryInfo>("--out") { Description = "The folder the crops are written to.", Required = true };
        var size = new Option<int>("--size") { Description = "Crop side in pixels (the ArcFace template is scaled to it).", DefaultValueFactory = _ => 112 };
        var minScore = DetectorOptions.MinScore();
        var faces = new Option<string>("--faces") { Description = "Photos with several faces: best (highest score), largest, or all (name_face1.jpg, ...).", DefaultValueFactory = _ => "best" };
        faces.AcceptOnlyFromAmong("best", "largest", "all");
        var onNoFace = new Option<string>("--on-no-face") { Description = "Photos without a face: fail (stop, naming it) or skip (list it).", DefaultValueFactory = _ => "fail" };
        onNoFace.AcceptOnlyFromAmong("fail", "skip");
        var onBadImage = BadImageOption.Create();
        var json = new JsonOption("the report");
        var device = DeviceOption.Create();
        var command = new Command("align", "Detect faces in a folder of photos and write 5-point aligned crops.")
        {
            detector, data, output, size, minScore, faces, onNoFace, onBadImage, json.Option, device,
        };
        command.SetAction((parse, token) => CommandRunner.RunAsync(cancel =>
        {
            var options = new FolderAlignmentOptions
            {
                Size = parse.GetValue(size),
                Faces = Enum.Parse<FaceSelection>(parse.GetValue(faces)!, ignoreCase: true),
                OnNoFace = parse.GetValue(onNoFace) == "skip" ? NoFacePolicy.Skip : NoFacePolicy.Fail,
                OnBadImage = BadImageOption.ReadPolicy(parse, onBadImage),
            };
            if (options.Size < 16)
            {
                throw new ArgumentException($"--size {options.Size} is too small; crops need at least 16 pixels.");
            }

            using var det = FaceDetector.Open(parse.GetValue(detector)!.FullName, DetectorOptions.Read(parse, minScore, device));
            var bar = new AlignmentProgressBar();
            FolderAlignmentReport report;
            try
            {
                report = FolderAligner.Run(det, parse.GetValue(data)!.FullName, parse.GetValue(output)!.FullName, options, bar, cancel);
            }
            catch (NoFaceException e)
            {
                bar.Finish();
                throw new FaceDataException(e.Path ?? string.Empty, e.Reason + Hint, e);
            }
            catch (FaceDataException e) when (e.Kind is not null && e.Path is not null)
            {
                bar.Finish();
                throw new FaceDataException(e.Path, e.Reason + "; --on-bad-image skip leaves bad files out and lists them", e);
            }

            bar.Finish();
            Console.Error.Write(Summary(report));
            json.Write(parse, ToJson(report));

            return CommandRunner.Ok;
        }, token));
        return command;
    }

    private static string Summary(FolderAlignmentReport r)
    {
        var lines = new List<string>
        {
            $"Aligned {r.Aligned} of {r.Images} images ({r.Crops} crops, {r.ImagesPerSecond:F1} images/s): "
            + $"{r.NoFace} without a face, {r.MultipleFaces} with several faces, {r.Unreadable} unreadable, {r.CutByBorder} crops of faces cut by the border.",
        };
        lines.AddRange(r.Skipped.Select(s => $"  skipped {s.Path}: {s.Reason}"));
        lines.AddRange(r.Multiple.Select(m => $"  {m.Faces} faces in {m.Path}"));
        lines.AddRange(r.Converted.Select(c => $"  converted {c.Path}: {c.Conversion}"));
        return string.Join(Environment.NewLine, lines) + Environment.NewLine;
    }

    /// <summary>The <c>align --json</c> document (docs/cli.md).</summary>
    private static JsonObject ToJson(FolderAlignmentReport r) => new()
    {
        ["images"] = r.Images,
        ["aligned"] = r.Aligned,
        ["crops"] = r.Crops,
        ["noFace"] = r.NoFace,
        ["multipleFaces"] = r.MultipleFaces,
        ["unreadable"] = r.Unreadable,
        ["cutByBorder"] = r.CutByBorder,
        ["imagesPerSecond"] = r.ImagesPerSecond,
        ["skipped"] = new JsonArray([.. r.Skipped.Select(s => (JsonNode)new JsonObject { ["path"] = s.Path, ["reason"] = s.Reason })]),
        ["multiple"] = new JsonArray([.. r.Multiple.Select(m => (JsonNode)new JsonObject { ["path"] = m.Path, ["faces"] = m.Faces })]),
        ["converted"] = new JsonArray([.. r.Converted.Select(c => (JsonNode)new JsonObject { ["path"] = c.Path, ["conversion"] = c.Conversion })]),
    };
}
