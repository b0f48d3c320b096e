using System.Text.Json.Nodes;
using KappaFace.MLNet.Data.Tests.Detection;
using KappaFace.MLNet.Tests.Shared;
using SkiaSharp;
using Xunit;

namespace KappaFace.MLNet.Cli.Tests;

/// <summary><c>detect</c> and <c>align</c> with a hand-built detector that sees bright blue squares as faces.</summary>
public class AlignCommandTests
{
    private static TempFolder Photos(out string detector)
    {
        var folder = new TempFolder();
        detector = folder.Bytes("det.onnx", TinyRetinaFace.BlueDotDetector());
        SKColor Face(int x, int y, int left, int top) => x >= left && x < left + 10 && y >= top && y < top + 10 ? new SKColor(0, 0, 255) : SKColors.Black;
        folder.Image("photos/ann/one.png", 224, 224, (x, y) => Face(x, y, 100, 60));
        folder.Image("photos/ann/two.jpg", 224, 224, (x, y) => Face(x, y, 30, 30) != SKColors.Black ? Face(x, y, 30, 30) : Face(x, y, 160, 150), SKEncodedImageFormat.Jpeg);
        folder.Image("photos/bob/empty.png", 224, 224, (_, _) => SKColors.Black);
        folder.Bytes("photos/bob/broken.png", [0x89, 0x50, 0x4E, 0x47, 1, 2]);
        folder.Bytes("photos/pairs.txt", "ann/one.png ann/two.jpg 1\n"u8.ToArray());
        return folder;
    }

    [Fact]
    public void Detect_reports_boxes_scores_and_five_landmarks_per_photo()
    {
        using var folder = Photos(out string detector);
        string json = Path.Combine(folder.Path, "faces.json");
        var (code, stdout, stderr) = CliHarness.Run("detect", "--detector", detector, "--device", "cpu", "--json", json,
            Path.Combine(folder.Path, "photos/ann/one.png"), Path.Combine(folder.Path, "photos/bob/empty.png"));

        Assert.True(code == 0, stderr);
        var result = JsonNode.Parse(File.ReadAllText(json))!.AsArray();
        Assert.Equal(2, result.Count);
        var faces = result[0]!["faces"]!.AsArray();
        Assert.NotEmpty(faces);
        Assert.Equal(4, faces[0]!["box"]!.AsArray().Count);
        Assert.Equal(5, faces[0]!["landmarks"]!.AsArray().Count);
        // Every face lies on the blue square (100..110, 60..70).
        Assert.All(faces, f => Assert.InRange(f!["landmarks"]![2]![0]!.GetValue<float>(), 90f, 120f));
        Assert.Empty(result[1]!["faces"]!.AsArray());
        Assert.Contains("one.png", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Align_with_skip_policies_writes_crops_landmarks_pairs_and_lists_every_skipped_photo()
    {
        using var folder = Photos(out string detector);
        string output = Path.Combine(folder.Path, "aligned");
        string json = Path.Combine(folder.Path, "report.json");
        var (code, _, stderr) = CliHarness.Run("align", "--detector", detector, "--data", Path.Combine(folder.Path, "photos"), "--out", output,
            "--size", "64", "--faces", "all", "--on-no-face", "skip", "--on-bad-image", "skip", "--device", "cpu", "--json", json);

        Assert.True(code == 0, stderr);
        var report = JsonNode.Parse(File.ReadAllText(json))!;
        Assert.Equal(4, report["images"]!.GetValue<int>());
        Assert.Equal(2, report["aligned"]!.GetValue<int>());
        Assert.Equal(1, report["noFace"]!.GetValue<int>());
        Assert.Equal(1, report["unreadable"]!.GetValue<int>());
        Assert.Equal(["bob/broken.png", "bob/empty.png"], report["skipped"]!.AsArray().Select(s => s!["path"]!.GetValue<string>()));
        Assert.True(File.Exists(Path.Combine(output, "ann/one_face1.png")));
        Assert.True(File.Exists(Path.Combine(output, "ann/two_face1.jpg")));
        // The pair's photos now exist as name_face1 crops: pairs.txt is rewritten to name them.
        Assert.Equal(["ann/one_face1.png\tann/two_face1.jpg\t1"], File.ReadAllLines(Path.Combine(output, "pairs.txt")));
        Assert.Equal("rewritten", report["pairsFile"]!["action"]!.GetValue<string>());
        using (var codec = SKCodec.Create(Path.Combine(output, "ann/two_face1.jpg")))
        {
            Assert.Equal(SKEncodedImageFormat.Jpeg, codec.EncodedFormat);
            Assert.Equal(64, codec.Info.Width);
        }

        string[] rows = File.ReadAllLines(Path.Combine(output, "landmarks.tsv"));
        Assert.Equal("path\tscore\tx1\ty1\tx2\ty2\tx3\ty3\tx4\ty4\tx5\ty5", rows[0]);
        Assert.Equal(report["crops"]!.GetValue<int>(), rows.Length - 1);
        Assert.All(rows.Skip(1), r => Assert.Equal(12, r.Split('\t').Length));
        Assert.Contains("without a face", stderr, StringComparison.Ordinal);
        Assert.Contains("skipped bob/empty.png", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Align_fails_by_default_on_a_photo_without_a_face_naming_it_and_the_way_out()
    {
        using var folder = Photos(out string detector);
        File.Delete(Path.Combine(folder.Path, "photos/bob/broken.png"));
        var (code, _, stderr) = CliHarness.Run("align", "--detector", detector, "--data", Path.Combine(folder.Path, "photos"),
            "--out", Path.Combine(folder.Path, "aligned"), "--device", "cpu");

        Assert.NotEqual(0, code);
        Assert.Contains("bob/empty.png", stderr, StringComparison.Ordinal);
        Assert.Contains("--on-no-face skip", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void A_detector_of_another_layout_is_refused_with_a_one_line_reason()
    {
        using var folder = Photos(out _);
        string other = folder.Bytes("other.onnx", TinyRetinaFace.Build((_, _, _, _, _) => (0f, 0f), locName: "bbox"));
        var (code, _, stderr) = CliHarness.Run("detect", "--detector", other, "--device", "cpu", Path.Combine(folder.Path, "photos/ann/one.png"));
        Assert.NotEqual(0, code);
        Assert.Contains("not a RetinaFace-format detector", stderr, StringComparison.Ordinal);
        Assert.Contains("other.onnx", stderr, StringComparison.Ordinal);
    }
}

/// <summary><c>embed --detector</c>: photos are aligned before embedding.</summary>
public class EmbedWithDetectorTests(CliFixture fixture) : IClassFixture<CliFixture>
{
    [Fact]
    public void Embed_aligns_the_best_face_first_and_names_a_photo_without_one()
    {
        using var folder = new TempFolder();
        string detector = folder.Bytes("det.onnx", TinyRetinaFace.BlueDotDetector());
        string photo = folder.Image("p.png", 224, 224, (x, y) => x is >= 100 and < 110 && y is >= 60 and < 70 ? new SKColor(0, 0, 255) : SKColors.Black);
        string empty = folder.Image("e.png", 224, 224, (_, _) => SKColors.Black);
        string json = Path.Combine(folder.Path, "e.json");

        var (code, _, stderr) = CliHarness.Run("embed", "--model", fixture.ModelPath, "--detector", detector, "--device", "cpu", "--json", json, photo);
        Assert.True(code == 0, stderr);
        Assert.Equal(CliFixture.EmbeddingSize, JsonNode.Parse(File.ReadAllText(json))![0]!["embedding"]!.AsArray().Count);

        (code, _, stderr) = CliHarness.Run("embed", "--model", fixture.ModelPath, "--detector", detector, "--device", "cpu", empty);
        Assert.NotEqual(0, code);
        Assert.Contains("e.png", stderr, StringComparison.Ordinal);
        Assert.Contains("no face", stderr, StringComparison.Ordinal);
    }
}
