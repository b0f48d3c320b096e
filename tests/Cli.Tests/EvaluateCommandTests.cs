using System.Text.Json;
using KappaFace.MLNet.Tests.Shared;
using SkiaSharp;

namespace KappaFace.MLNet.Cli.Tests;

/// <summary><c>kappaface evaluate</c>: design JSON keys and ranges, pairs files and drawn pairs, plots, errors.</summary>
public class EvaluateCommandTests(FaceFolderFixture fixture) : IClassFixture<FaceFolderFixture>
{
    private static readonly string[] DesignKeys = ["pairs", "accuracy", "accuracyStd", "auc", "eer", "bestThreshold", "tarAtFar"];

    [Fact]
    public void Pairs_file_json_has_design_keys_in_range_and_plots_decode()
    {
        string plots = fixture.File("plots");
        var (code, stdout, stderr) = CliHarness.Run(
            "evaluate", "--model", fixture.ModelPath, "--data", fixture.DataFolder, "--pairs", fixture.PairsFile, "--json", "-", "--plot", plots);
        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        var root = json.RootElement;
        foreach (string key in DesignKeys)
        {
            Assert.True(root.TryGetProperty(key, out _), $"missing key {key}");
        }

        Assert.Equal(fixture.PairLines.Count, root.GetProperty("pairs").GetInt32());
        Assert.Equal(fixture.SameCount, root.GetProperty("samePairs").GetInt32());
        Assert.InRange(root.GetProperty("accuracy").GetDouble(), 0, 1);
        Assert.InRange(root.GetProperty("accuracyStd").GetDouble(), 0, 0.5);
        Assert.InRange(root.GetProperty("auc").GetDouble(), 0, 1);
        Assert.InRange(root.GetProperty("eer").GetDouble(), 0, 1);
        Assert.InRange(root.GetProperty("bestThreshold").GetDouble(), -1, 1);
        Assert.Equal(10, root.GetProperty("folds").GetInt32());

        // 40 different pairs: FAR 0.1 can be measured, 0.01 and below cannot and are left out.
        var tar = root.GetProperty("tarAtFar").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDouble());
        Assert.Equal(["0.1"], tar.Keys);
        Assert.InRange(tar["0.1"], 0, 1);

        // The AUC equals the naive pair-counting AUC of the same scores computed without the CLI.
        var (scores, same) = fixture.ScorePairsDirectly(fixture.ModelPath);
        double wins = 0;
        int comparisons = 0;
        for (int i = 0; i < scores.Length; i++)
        {
            for (int j = 0; j < scores.Length; j++)
            {
                if (same[i] && !same[j])
                {
                    wins += scores[i] > scores[j] ? 1 : scores[i] == scores[j] ? 0.5 : 0;
                    comparisons++;
                }
            }
        }

        Assert.Equal(wins / comparisons, root.GetProperty("auc").GetDouble(), 6);

        foreach (string name in new[] { "roc.png", "score-histogram.png" })
        {
            string path = Path.Combine(plots, name);
            Assert.True(new FileInfo(path).Length > 1000, $"{name} is missing or nearly empty");
            using var bitmap = SKBitmap.Decode(path);
            Assert.NotNull(bitmap);
            Assert.Equal(800, bitmap.Width);
            Assert.Equal(600, bitmap.Height);
            // Something was drawn in colour (the curve or the bars), not only a blank page.
            Assert.Contains(bitmap.Pixels, p => p.Red != p.Green || p.Green != p.Blue);
        }
    }

    [Fact]
    public void Drawn_pairs_are_balanced_and_seeded_and_summary_is_readable()
    {
        string[] args = ["evaluate", "--model", fixture.ModelPath, "--data", fixture.DataFolder, "--seed", "3"];
        var (code, stdout, stderr) = CliHarness.Run([.. args, "--json", "-"]);
        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        int pairs = json.RootElement.GetProperty("pairs").GetInt32();
        Assert.Equal(2 * fixture.SameCount, pairs);  // as many as the folder allows: all 40 same pairs, 40 different
        Assert.Equal(fixture.SameCount, json.RootElement.GetProperty("samePairs").GetInt32());
        Assert.False(json.RootElement.GetProperty("foldsFromPairsFile").GetBoolean());

        var again = CliHarness.Run([.. args, "--json", "-"]);
        Assert.Equal(stdout, again.Stdout);

        var text = CliHarness.Run(args);
        Assert.Equal(0, text.ExitCode);
        Assert.Contains("accuracy:", text.Stdout);
        Assert.Contains("AUC:", text.Stdout);
        Assert.Contains("TAR@FAR=0.001   n/a (too few different pairs)", text.Stdout);
    }

    [Fact]
    public void Bad_pairs_line_fails_naming_the_line()
    {
        string bad = fixture.File("bad-pairs.txt");
        File.WriteAllLines(bad, [fixture.PairLines[0], fixture.PairLines[1], "person0/person0_0000.png only-two"]);
        var (code, stdout, stderr) = CliHarness.Run("evaluate", "--model", fixture.ModelPath, "--data", fixture.DataFolder, "--pairs", bad);
        Assert.Equal(1, code);
        Assert.Empty(stdout);
        string line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("kappaface: error: ", line);
        Assert.Contains("line 3", line);
    }

    [Theory]
    [InlineData("--data", "no-such-folder")]
    [InlineData("--pairs", "no-such-pairs.txt")]
    [InlineData("--model", "no-such-model.onnx")]
    public void Missing_input_fails_with_one_line_naming_it(string option, string name)
    {
        var args = new Dictionary<string, string> { ["--model"] = fixture.ModelPath, ["--data"] = fixture.DataFolder };
        args[option] = fixture.File(name);
        var (code, _, stderr) = CliHarness.Run(["evaluate", .. args.SelectMany(a => new[] { a.Key, a.Value })]);
        Assert.Equal(1, code);
        string line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(name, line);
    }

    [Fact]
    public void Help_lists_the_options()
    {
        var (code, stdout, _) = CliHarness.Run("evaluate", "--help");
        Assert.Equal(0, code);
        foreach (string option in new[] { "--model", "--data", "--pairs", "--json", "--plot" })
        {
            Assert.Contains(option, stdout);
        }
    }

    [SkippableFact]
    public void Celeba_dev_pairs_file_uses_its_seven_folds()
    {
        string? celeba = SharedData.DataSet("celeba-dev");
        Skip.If(celeba is null, SharedData.MissingReason("celeba-dev"));
        var (code, stdout, stderr) = CliHarness.Run(
            "evaluate", "--model", fixture.ModelPath, "--data", celeba, "--pairs", Path.Combine(celeba, "pairs.txt"), "--json", "-");
        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        Assert.Equal(4200, json.RootElement.GetProperty("pairs").GetInt32());
        Assert.Equal(7, json.RootElement.GetProperty("folds").GetInt32());
        Assert.True(json.RootElement.GetProperty("foldsFromPairsFile").GetBoolean());
        Assert.InRange(json.RootElement.GetProperty("auc").GetDouble(), 0, 1);
        // 2100 different pairs: FAR down to 1e-3 is measurable, 1e-4 is not.
        Assert.Equal(["0.1", "0.01", "0.001"], json.RootElement.GetProperty("tarAtFar").EnumerateObject().Select(p => p.Name));
    }
}
