using System.Text.Json;
using KappaFace.MLNet.Tests.Shared;
using SkiaSharp;

namespace KappaFace.MLNet.Cli.Tests;

/// <summary><c>--on-bad-image skip|fail</c> on <c>train</c> and <c>evaluate</c>: summary on stderr, the JSON <c>"data"</c> object, errors.</summary>
public class BadImageOptionTests(FaceFolderFixture fixture) : IClassFixture<FaceFolderFixture>
{
    private static readonly string[] TrainArguments =
        ["--backbone", "tiny", "--image-size", "32", "--embedding-size", "8", "--epochs", "1", "--batch-size", "4", "--device", "cpu", "--seed", "1"];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Train_with_skip_leaves_bad_files_out_and_reports_them_in_stderr_and_json(bool stream)
    {
        using var folder = new TempFolder();
        string data = TrainingFolder(folder);
        string empty = folder.Bytes("data/id1/empty.jpg", []);
        string text = folder.Bytes("data/id2/notes.png", "not an image"u8.ToArray());
        string report = Path.Combine(folder.Path, "report.json");

        var (code, _, stderr) = CliHarness.Run(
            ["train", "--data", data, "--out", Path.Combine(folder.Path, "m.onnx"), "--json", report, "--on-bad-image", "skip", .. TrainArguments, .. Streamed(stream)]);

        Assert.True(code == 0, stderr);
        Assert.Contains("on bad image: skip", stderr, StringComparison.Ordinal);
        Assert.Contains(Path.Combine("id1", "empty.jpg") + ": ", stderr, StringComparison.Ordinal);
        Assert.Contains(Path.Combine("id2", "notes.png") + ": ", stderr, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(File.ReadAllText(report));
        JsonElement root = json.RootElement;
        Assert.Equal(12, root.GetProperty("images").GetInt32());
        JsonElement dataReport = root.GetProperty("data");
        Assert.Equal("skip", dataReport.GetProperty("onBadImage").GetString());
        Assert.Equal(14, dataReport.GetProperty("imagesFound").GetInt32());
        Assert.Equal(12, dataReport.GetProperty("imagesUsed").GetInt32());
        Assert.Equal(1, dataReport.GetProperty("counts").GetProperty("zero-byte").GetInt32());
        Assert.Equal(1, dataReport.GetProperty("counts").GetProperty("not-an-image").GetInt32());
        var skipped = dataReport.GetProperty("issues").EnumerateArray()
            .Where(i => i.GetProperty("action").GetString() == "skipped")
            .ToDictionary(i => i.GetProperty("path").GetString()!, i => i.GetProperty("reason").GetString()!);
        Assert.Equal([empty, text], skipped.Keys.Order(StringComparer.Ordinal));
        Assert.All(skipped.Values, reason => Assert.False(string.IsNullOrWhiteSpace(reason)));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Train_fails_by_default_naming_the_first_bad_file_and_the_way_out(bool stream)
    {
        using var folder = new TempFolder();
        string data = TrainingFolder(folder);
        string first = folder.Bytes("data/id0/zz-empty.png", []);
        folder.Bytes("data/id2/a-empty.png", []);

        var (code, _, stderr) = CliHarness.Run(["train", "--data", data, "--out", Path.Combine(folder.Path, "m.onnx"), .. TrainArguments, .. Streamed(stream)]);

        Assert.Equal(1, code);
        string error = stderr.Split('\n').Single(l => l.StartsWith("kappaface: error:", StringComparison.Ordinal));
        Assert.Contains(first + ": is empty", error, StringComparison.Ordinal);
        Assert.Contains("1 more bad image", error, StringComparison.Ordinal);
        Assert.Contains("--on-bad-image skip", error, StringComparison.Ordinal);
        Assert.Contains("on bad image: fail", stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(folder.Path, "m.onnx")));
    }

    // --stream checks the folder up front with the same policy instead of loading it.
    private static string[] Streamed(bool stream) => stream ? ["--stream"] : [];

    [Fact]
    public void An_unknown_policy_is_a_usage_error()
    {
        var (code, _, stderr) = CliHarness.Run("train", "--data", fixture.DataFolder, "--out", fixture.File("never.onnx"), "--on-bad-image", "ignore");

        Assert.NotEqual(0, code);
        Assert.Contains("ignore", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_with_skip_drops_the_pairs_that_name_a_bad_image()
    {
        using var folder = new TempFolder();
        string data = CopyOfFixtureData(folder);

        folder.Bytes("data/person0/person0_9999.png", []);
        string pairs = folder.Bytes("pairs.txt", System.Text.Encoding.UTF8.GetBytes(
            string.Join('\n', [.. fixture.PairLines, "person0/person0_0000.png person0/person0_9999.png 1"]) + "\n"));
        string[] common = ["evaluate", "--model", fixture.ModelPath, "--data", data, "--pairs", pairs, "--json", "-"];

        var skip = CliHarness.Run([.. common, "--on-bad-image", "skip"]);
        var fail = CliHarness.Run(common);

        Assert.True(skip.ExitCode == 0, skip.Stderr);
        using var json = JsonDocument.Parse(skip.Stdout);
        Assert.Equal(fixture.PairLines.Count, json.RootElement.GetProperty("pairs").GetInt32());
        Assert.Contains("Dropped 1 of", skip.Stderr, StringComparison.Ordinal);
        Assert.Equal(1, fail.ExitCode);
        Assert.Contains(Path.Combine(data, "person0", "person0_9999.png") + ": is empty", fail.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("train")]
    [InlineData("evaluate")]
    [InlineData("calibrate")]
    public void The_option_is_offered_by_the_commands_that_read_a_data_folder(string command)
    {
        var (code, stdout, _) = CliHarness.Run(command, "--help");

        Assert.Equal(0, code);
        Assert.Contains("--on-bad-image", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_without_a_pairs_file_draws_pairs_from_usable_images_only_under_skip()
    {
        using var folder = new TempFolder();
        string data = CopyOfFixtureData(folder);
        string bad = folder.Bytes("data/person1/person1_0042.png", "text"u8.ToArray());
        string[] common = ["evaluate", "--model", fixture.ModelPath, "--data", data, "--json", "-"];

        var skip = CliHarness.Run([.. common, "--on-bad-image", "skip"]);
        var fail = CliHarness.Run(common);

        Assert.True(skip.ExitCode == 0, skip.Stderr);
        Assert.Contains(Path.Combine("person1", "person1_0042.png") + ": is not a decodable image", skip.Stderr, StringComparison.Ordinal);
        Assert.Equal(1, fail.ExitCode);
        Assert.Contains(bad + ": is not a decodable image", fail.Stderr, StringComparison.Ordinal);
    }

    private string CopyOfFixtureData(TempFolder folder)
    {
        foreach (string file in Directory.EnumerateFiles(fixture.DataFolder, "*", SearchOption.AllDirectories))
        {
            folder.Bytes(Path.Combine("data", Path.GetRelativePath(fixture.DataFolder, file)), File.ReadAllBytes(file));
        }

        return Path.Combine(folder.Path, "data");
    }

    // Three identities of four distinct 32 x 32 images each.
    private static string TrainingFolder(TempFolder folder)
    {
        for (int identity = 0; identity < 3; identity++)
        {
            for (int image = 0; image < 4; image++)
            {
                int seed = (identity * 10) + image;
                folder.Image($"data/id{identity}/{image}.png", 32, 32,
                    (x, y) => new SKColor((byte)(identity * 80), (byte)((x * 7) + seed), (byte)((y * 7) + image)));
            }
        }

        return Path.Combine(folder.Path, "data");
    }
}
