using System.CommandLine;
using System.Text.Json.Nodes;
using KappaFace.MLNet.Data;
using KappaFace.MLNet.Data.Alignment;
using KappaFace.MLNet.Data.Detection;

namespace KappaFace.MLNet.Cli.Commands;

/// <summary>The detector options of <c>detect</c>, declared once.</summary>
internal static class DetectorOptions
{
    public static Option<FileInfo> Detector(bool required) =>
        new("--detector") { Description = "A RetinaFace-format ONNX face detector (docs/alignment.md).", Required = required };

    public static Option<float> MinScore() =>
        new("--min-score") { Description = "Faces scoring below this are ignored (0..1).", DefaultValueFactory = _ => 0.5f };

    public static FaceDetectorOptions Read(ParseResult parse, Option<float> minScore, Option<string> device) =>
        Read(parse, minScore, DeviceOption.Read(parse, device));

    public static FaceDetectorOptions Read(ParseResult parse, Option<float> minScore, string device) =>
        new() { MinScore = parse.GetValue(minScore), ExecutionProvider = device };
}

/// <summary>
/// The photo options of every command that aligns faces (<c>align</c>, <c>embed</c>, <c>verify</c>,
/// <c>evaluate</c>, <c>calibrate</c>, <c>train</c>): <c>--detector</c>, <c>--min-score</c>, <c>--faces</c> and
/// <c>--on-no-face</c>, declared and bound to <see cref="FolderAlignmentOptions"/> in this one place, with the
/// hint and report wording they share. The alignment itself is the library's (<see cref="PhotoAligner"/>).
/// </summary>
internal sealed class PhotoOptions
{
    private const string NoFaceHint = "; --on-no-face skip leaves such photos out and lists them";

    /// <summary>Declares the options.</summary>
    /// <param name="required">--detector is required (<c>align</c>) rather than switching photo input on.</param>
    /// <param name="allFaces">--faces also offers <c>all</c> (only where each face becomes a file).</param>
    /// <param name="noFacePolicy">--on-no-face is offered; without it a photo without a face always fails.</param>
    /// <param name="detectorUse">What --detector does for this command, appended to its description.</param>
    public PhotoOptions(bool required = false, bool allFaces = false, bool noFacePolicy = true, string? detectorUse = null)
    {
        Detector = DetectorOptions.Detector(required);
        Detector.Description += detectorUse ?? " Given, the images are photos: the chosen face of each is aligned to the model input first.";
        MinScore = DetectorOptions.MinScore();
        string[] choices = allFaces ? ["best", "largest", "all"] : ["best", "largest"];
        Faces = new Option<string>("--faces")
        {
            Description = allFaces
                ? "Photos with several faces: best (highest score), largest, or all (name_face1.jpg, ...)."
                : "Photos with several faces: best (highest score) or largest.",
            DefaultValueFactory = _ => "best",
        };
        Faces.AcceptOnlyFromAmong(choices);
        if (noFacePolicy)
        {
            OnNoFace = new Option<string>("--on-no-face") { Description = "Photos without a usable face: fail (stop, naming it) or skip (list it).", DefaultValueFactory = _ => "fail" };
            OnNoFace.AcceptOnlyFromAmong("fail", "skip");
        }
    }

    public Option<FileInfo> Detector { get; }

    public Option<float> MinScore { get; }

    public Option<string> Faces { get; }

    public Option<string>? OnNoFace { get; }

    public IEnumerable<Option> All => OnNoFace is null ? [Detector, MinScore, Faces] : [Detector, MinScore, Faces, OnNoFace];

    public void AddTo(Command command)
    {
        foreach (var option in All)
        {
            command.Options.Add(option);
        }
    }

    /// <summary>The detector file, or null when the images are crops.</summary>
    public string? DetectorPath(ParseResult parse) => parse.GetValue(Detector)?.FullName;

    public FaceDetectorOptions DetectorSettings(ParseResult parse, string device) => DetectorOptions.Read(parse, MinScore, device);

    /// <summary>Opens the detector, or returns null when --detector is not given.</summary>
    public FaceDetector? Open(ParseResult parse, string device) =>
        DetectorPath(parse) is { } path ? FaceDetector.Open(path, DetectorSettings(parse, device)) : null;

    /// <summary>The alignment options the command line asks for.</summary>
    /// <param name="parse">The parse result.</param>
    /// <param name="onBadImage">The command's bad-image policy (Fail where it has none).</param>
    /// <returns>The options at the default crop size; set <c>Size</c> with <c>with</c> where the command decides it (the embedder uses its model input).</returns>
    public FolderAlignmentOptions Alignment(ParseResult parse, BadImagePolicy onBadImage) => new()
    {
        Faces = Enum.Parse<FaceSelection>(parse.GetValue(Faces)!, ignoreCase: true),
        OnNoFace = OnNoFace is not null && parse.GetValue(OnNoFace) == "skip" ? NoFacePolicy.Skip : NoFacePolicy.Fail,
        OnBadImage = onBadImage,
    };

    /// <summary>Runs <paramref name="body"/>, adding the way out to a photo-without-a-face error where the command offers one.</summary>
    public T Explained<T>(Func<T> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        try
        {
            return body();
        }
        catch (NoFaceException e) when (OnNoFace is not null)
        {
            throw new FaceDataException(e.Path ?? string.Empty, e.Reason + NoFaceHint, e);
        }
    }

    /// <summary>One line per skipped photo and dropped face, for standard error.</summary>
    public static IEnumerable<string> Lines(IEnumerable<SkippedPhoto> skipped, IEnumerable<DroppedFace> dropped) =>
        skipped.Select(s => $"  skipped {s.Path}: {s.Reason}")
            .Concat(dropped.Select(d => $"  dropped a face of {d.Path} (score {d.Score:F3}): {d.Reason}"));

    /// <summary>Writes <see cref="Lines"/> to standard error.</summary>
    public static void WriteLines(IEnumerable<SkippedPhoto> skipped, IEnumerable<DroppedFace> dropped)
    {
        foreach (string line in Lines(skipped, dropped))
        {
            Console.Error.WriteLine(line);
        }
    }

    /// <summary><c>[{"path": ..., "reason": ...}]</c>.</summary>
    public static JsonArray ToJson(IEnumerable<SkippedPhoto> skipped) =>
        new([.. skipped.Select(s => (JsonNode)new JsonObject { ["path"] = s.Path, ["reason"] = s.Reason })]);

    /// <summary><c>[{"path": ..., "score": ..., "reason": ...}]</c>.</summary>
    public static JsonArray ToJson(IEnumerable<DroppedFace> dropped) =>
        new([.. dropped.Select(d => (JsonNode)new JsonObject { ["path"] = d.Path, ["score"] = d.Score, ["reason"] = d.Reason })]);
}
