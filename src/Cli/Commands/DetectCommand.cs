using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using KappaFace.MLNet.Data;
using KappaFace.MLNet.Data.Detection;

namespace KappaFace.MLNet.Cli.Commands;

/// <summary>
/// <c>kappaface detect</c>: faces, scores and five landmarks of each photo, in source pixels (EXIF orientation
/// applied), with a RetinaFace-format ONNX detector (docs/alignment.md).
/// </summary>
internal static class DetectCommand
{
    public static Command Create()
    {
        var detector = DetectorOptions.Detector(required: true);
        var minScore = DetectorOptions.MinScore();
        var json = new JsonOption("the faces");
        var device = DeviceOption.Create();
        var images = new Argument<string[]>("IMAGE") { Description = "Photos.", Arity = ArgumentArity.OneOrMore };
        var command = new Command("detect", "Find faces and their five landmarks in photos.") { detector, minScore, json.Option, device, images };
        command.SetAction((parse, token) => CommandRunner.RunAsync(cancel =>
        {
            string[] paths = parse.GetValue(images)!;
            using var det = FaceDetector.Open(parse.GetValue(detector)!.FullName, DetectorOptions.Read(parse, minScore, device));
            var results = new JsonArray();
            foreach (string path in paths)
            {
                cancel.ThrowIfCancellationRequested();
                var faces = det.Detect(PhotoDecoder.Decode(path).Image);
                results.Add(new JsonObject { ["path"] = path, ["faces"] = new JsonArray([.. faces.Select(ToJson)]) });
                if (!json.ToStandardOutput(parse))
                {
                    Console.Out.WriteLine($"{path}\t{faces.Count} face(s)" + string.Concat(faces.Select(f => string.Create(
                        CultureInfo.InvariantCulture, $"\t[{f.Box.X1:F0},{f.Box.Y1:F0},{f.Box.X2:F0},{f.Box.Y2:F0}] {f.Score:F3}"))));
                }
            }

            json.Write(parse, results);

            return CommandRunner.Ok;
        }, token));
        return command;
    }

    /// <summary><c>{"box": [x1, y1, x2, y2], "score": s, "landmarks": [[x, y] x 5]}</c>.</summary>
    private static JsonNode ToJson(DetectedFace face) => new JsonObject
    {
        ["box"] = new JsonArray(face.Box.X1, face.Box.Y1, face.Box.X2, face.Box.Y2),
        ["score"] = face.Score,
        ["landmarks"] = new JsonArray([.. face.Landmarks.Select(p => (JsonNode)new JsonArray(p.X, p.Y))]),
    };
}
