using System.Text.Json.Nodes;
using KappaFace.MLNet.Data.Alignment;
using KappaFace.MLNet.Data.Tests.Detection;
using KappaFace.MLNet.Tests.Shared;
using SkiaSharp;
using Xunit;

namespace KappaFace.MLNet.Cli.Tests;

/// <summary>
/// <c>--detector</c> on <c>embed</c>, <c>verify</c>, <c>evaluate</c> and <c>train</c>, with a hand-built detector
/// that sees bright blue squares as faces: the photo policies, the order of results, and the training cache.
/// </summary>
public class PhotoOptionsTests(CliFixture fixture) : IClassFixture<CliFixture>
{
    private static readonly string[] TrainArguments =
        ["--backbone", "tiny", "--image-size", "32", "--embedding-size", "8", "--epochs", "1", "--batch-size", "4", "--device", "cpu", "--seed", "1"];

    [Fact]
    public void Embed_keeps_argument_order_lists_a_skipped_photo_in_place_and_matches_photos_embedded_alone()
    {
        using var folder = new TempFolder();
        string detector = folder.Bytes("det.onnx", TinyRetinaFace.BlueDotDetector());
        string a = Photo(folder, "a.png", 100, 60), empty = Empty(folder, "e.png"), b = Photo(folder, "b.png", 40, 150);
        string json = Path.Combine(folder.Path, "all.json");

        var (code, stdout, stderr) = CliHarness.Run("embed", "--model", fixture.ModelPath, "--detector", detector, "--device", "cpu",
            "--on-no-face", "skip", "--json", json, a, empty, b);

        Assert.True(code == 0, stderr);
        var entries = JsonNode.Parse(File.ReadAllText(json))!.AsArray();
        Assert.Equal([a, empty, b], entries.Select(e => e!["path"]!.GetValue<string>()));
        Assert.Null(entries[1]!["embedding"]);
        Assert.Contains("no face found", entries[1]!["skipped"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains($"skipped {empty}: no face found", stderr, StringComparison.Ordinal);
        Assert.Equal(2, stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        foreach (var (path, index) in new[] { (a, 0), (b, 2) })
        {
            string alone = Path.Combine(folder.Path, $"alone{index}.json");
            Assert.Equal(0, CliHarness.Run("embed", "--model", fixture.ModelPath, "--detector", detector, "--device", "cpu", "--json", alone, path).ExitCode);
            float[] expected = Embedding(JsonNode.Parse(File.ReadAllText(alone))![0]!);
            float[] actual = Embedding(entries[index]!);
            Assert.All(expected.Zip(actual), p => Assert.Equal(p.First, p.Second, 5));
        }

        Assert.NotEqual(Embedding(entries[0]!), Embedding(entries[2]!));
    }

    [Fact]
    public void Embed_honours_min_score_and_fails_by_default_naming_the_photo_and_the_way_out()
    {
        using var folder = new TempFolder();
        string detector = folder.Bytes("det.onnx", TinyRetinaFace.BlueDotDetector());
        string a = Photo(folder, "a.png", 100, 60);

        // The blue square scores about 0.99996: a threshold above it finds no face.
        var (code, _, stderr) = CliHarness.Run("embed", "--model", fixture.ModelPath, "--detector", detector, "--device", "cpu", "--min-score", "0.99999", a);

        Assert.Equal(1, code);
        Assert.Contains("a.png: no face found (minimum score 0.99999)", stderr, StringComparison.Ordinal);
        Assert.Contains("--on-no-face skip", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_aligns_both_photos_and_names_the_one_without_a_face()
    {
        using var folder = new TempFolder();
        string detector = folder.Bytes("det.onnx", TinyRetinaFace.BlueDotDetector());
        // The same square at two places of the same cell offset: aligned, the two crops are the same picture.
        string a = Photo(folder, "a.png", 100, 60), b = Photo(folder, "b.png", 60, 100), empty = Empty(folder, "e.png");
        string json = Path.Combine(folder.Path, "v.json");

        var (code, _, stderr) = CliHarness.Run("verify", "--model", fixture.ModelPath, "--detector", detector, "--device", "cpu", "--threshold", "0.5", "--json", json, a, b);
        Assert.True(code == 0, stderr);
        Assert.True(JsonNode.Parse(File.ReadAllText(json))!["score"]!.GetValue<float>() > 0.9999f);

        (code, _, stderr) = CliHarness.Run("verify", "--model", fixture.ModelPath, "--detector", detector, "--device", "cpu", "--threshold", "0.5", a, empty);
        Assert.Equal(1, code);
        Assert.Contains("e.png: no face found", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_drops_the_pairs_of_a_photo_without_a_face_under_skip_and_lists_it()
    {
        using var folder = PhotoFolder(out string detector);
        string data = Path.Combine(folder.Path, "photos");
        // Every pair of the eight photos (12 same, 16 different) and two naming the photo without a face.
        string[] names = [.. from who in new[] { "ann", "bob" } from i in Enumerable.Range(1, 4) select $"{who}/{i}.png"];
        var lines = from a in Enumerable.Range(0, 8) from b in Enumerable.Range(a + 1, 7 - a) select $"{names[a]} {names[b]} {(a / 4 == b / 4 ? 1 : 0)}";
        string pairs = folder.Bytes("pairs.txt", System.Text.Encoding.UTF8.GetBytes(
            string.Join('\n', lines) + "\nann/1.png carl/empty.png 0\ncarl/empty.png bob/1.png 0\n"));
        string json = Path.Combine(folder.Path, "eval.json");

        var (code, _, stderr) = CliHarness.Run("evaluate", "--model", fixture.ModelPath, "--data", data, "--pairs", pairs, "--detector", detector,
            "--device", "cpu", "--on-no-face", "skip", "--json", json);

        Assert.True(code == 0, stderr);
        var report = JsonNode.Parse(File.ReadAllText(json))!;
        Assert.Equal(28, report["pairs"]!.GetValue<int>());
        Assert.Equal(["carl/empty.png"], report["skipped"]!.AsArray().Select(s => Path.GetRelativePath(data, s!["path"]!.GetValue<string>()).Replace('\\', '/')));
        Assert.Contains("Dropped 2 of 30 pairs", stderr, StringComparison.Ordinal);

        (code, _, stderr) = CliHarness.Run("evaluate", "--model", fixture.ModelPath, "--data", data, "--pairs", pairs, "--detector", detector, "--device", "cpu");
        Assert.Equal(1, code);
        Assert.Contains("empty.png: no face found", stderr, StringComparison.Ordinal);
        Assert.Contains("--on-no-face skip", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Train_aligns_into_the_checkpoint_folder_once_and_a_resumed_run_reuses_it()
    {
        using var folder = PhotoFolder(out string detector);
        string data = Path.Combine(folder.Path, "photos");
        string checkpoints = Path.Combine(folder.Path, "ckpt");
        string json = Path.Combine(folder.Path, "train.json");

        var (code, _, stderr) = CliHarness.Run(["train", "--data", data, "--detector", detector, "--on-no-face", "skip", "--checkpoint-dir", checkpoints,
            "--out", Path.Combine(folder.Path, "m.onnx"), "--json", json, .. TrainArguments]);

        Assert.True(code == 0, stderr);
        string aligned = Path.Combine(checkpoints, "aligned-faces");
        Assert.True(File.Exists(Path.Combine(aligned, AlignedFolderCache.ManifestFile)));
        using (var codec = SKCodec.Create(Path.Combine(aligned, "ann/1.png")))
        {
            Assert.Equal(32, codec.Info.Width);
        }

        Assert.False(Directory.Exists(Path.Combine(aligned, "carl")));
        var alignment = JsonNode.Parse(File.ReadAllText(json))!["alignment"]!;
        Assert.False(alignment["reused"]!.GetValue<bool>());
        Assert.Equal(["carl/empty.png"], alignment["skipped"]!.AsArray().Select(s => s!["path"]!.GetValue<string>()));
        Assert.Equal(2, JsonNode.Parse(File.ReadAllText(json))!["classes"]!.GetValue<int>());

        (code, _, stderr) = CliHarness.Run(["train", "--data", data, "--detector", detector, "--on-no-face", "skip", "--checkpoint-dir", checkpoints,
            "--resume", "--json", json, .. TrainArguments]);

        Assert.True(code == 0, stderr);
        Assert.Contains("Reusing the aligned photos", stderr, StringComparison.Ordinal);
        Assert.Contains("skipped carl/empty.png", stderr, StringComparison.Ordinal);
        Assert.True(JsonNode.Parse(File.ReadAllText(json))!["alignment"]!["reused"]!.GetValue<bool>());
    }

    [Fact]
    public void Align_reports_a_face_with_degenerate_landmarks_per_photo_instead_of_crashing()
    {
        using var folder = PhotoFolder(out _);
        string flat = folder.Bytes("flat.onnx", TinyRetinaFace.BlueDotDetector([-2f, 0f, -1f, 0f, 0f, 0f, 1f, 0f, 2f, 0f]));
        string json = Path.Combine(folder.Path, "align.json");

        var (code, _, stderr) = CliHarness.Run("align", "--detector", flat, "--data", Path.Combine(folder.Path, "photos"), "--out", Path.Combine(folder.Path, "out"),
            "--on-no-face", "skip", "--device", "cpu", "--json", json);

        Assert.True(code == 0, stderr);
        var report = JsonNode.Parse(File.ReadAllText(json))!;
        Assert.Equal(8, report["degenerateLandmarks"]!.GetValue<int>());
        Assert.Equal(8, report["droppedFaces"]!.AsArray().Count);
        Assert.All(report["droppedFaces"]!.AsArray(), d => Assert.Equal("landmarks on one line", d!["reason"]!.GetValue<string>()));
        Assert.Contains("8 with only degenerate landmarks", stderr, StringComparison.Ordinal);
    }

    private static float[] Embedding(JsonNode entry) => [.. entry["embedding"]!.AsArray().Select(v => v!.GetValue<float>())];

    // The detector reads only the blue channel: a background without blue but with its own red gives
    // photos (and crops) that differ while their faces stay where they are.
    private static string Photo(TempFolder folder, string relative, int left, int top, byte red = 0) =>
        folder.Image(relative, 224, 224, (x, y) => x >= left && x < left + 10 && y >= top && y < top + 10 ? new SKColor(0, 0, 255) : new SKColor(red, 0, 0));

    private static string Empty(TempFolder folder, string relative) => folder.Image(relative, 224, 224, (_, _) => SKColors.Black);

    /// <summary>photos/ann/1..4.png, photos/bob/1..4.png (one blue square each) and photos/carl/empty.png.</summary>
    private static TempFolder PhotoFolder(out string detector)
    {
        var folder = new TempFolder();
        detector = folder.Bytes("det.onnx", TinyRetinaFace.BlueDotDetector());
        // Squares whose left and top are 4 past a multiple of 8 hold exactly one stride-8 sample: one face each.
        (int Left, int Top)[] places = [(100, 60), (60, 100), (20, 180), (180, 20), (140, 140), (36, 100), (100, 36), (172, 116)];
        for (int i = 0; i < places.Length; i++)
        {
            Photo(folder, $"photos/{(i < 4 ? "ann" : "bob")}/{(i % 4) + 1}.png", places[i].Left, places[i].Top, (byte)(10 + (30 * i)));
        }

        Empty(folder, "photos/carl/empty.png");
        return folder;
    }
}
