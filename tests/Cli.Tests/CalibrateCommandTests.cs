using System.Globalization;
using System.Text.Json;
using KappaFace.MLNet.Onnx;

namespace KappaFace.MLNet.Cli.Tests;

/// <summary><c>kappaface calibrate</c>: the threshold lands in a copy's card, meets the FAR, and drives <c>verify</c>.</summary>
public class CalibrateCommandTests(FaceFolderFixture fixture) : IClassFixture<FaceFolderFixture>
{
    [Fact]
    public void Calibrated_copy_shows_the_threshold_and_meets_the_far_on_the_same_pairs()
    {
        const double TargetFar = 0.1;
        string output = fixture.File("calibrated.onnx");
        var (code, stdout, stderr) = CliHarness.Run(
            "calibrate", "--model", fixture.ModelPath, "--data", fixture.DataFolder, "--pairs", fixture.PairsFile,
            "--far", "0.1", "--out", output);
        Assert.True(code == 0, stderr);
        Assert.StartsWith("threshold ", stdout);
        Assert.Contains("wrote " + output, stdout);

        // info shows the threshold; the printed value is the card's.
        var info = CliHarness.Run("info", "--model", output, "--json", "-");
        Assert.Equal(0, info.ExitCode);
        using var json = JsonDocument.Parse(info.Stdout);
        var metadata = json.RootElement.GetProperty("metadata");
        double threshold = double.Parse(metadata.GetProperty("verification.threshold").GetString()!, CultureInfo.InvariantCulture);
        Assert.Equal(TargetFar, double.Parse(metadata.GetProperty("verification.far").GetString()!, CultureInfo.InvariantCulture));
        Assert.Contains(threshold.ToString("R", CultureInfo.InvariantCulture), stdout);
        Assert.Null(ModelCard.ReadFrom(fixture.ModelPath).VerificationThreshold);  // the source is untouched

        // FAR of the calibrated threshold on the same pairs, recomputed without the CLI, is within the target.
        var (scores, same) = fixture.ScorePairsDirectly(output);
        int different = same.Count(s => !s);
        int falseAccepts = scores.Where((s, i) => !same[i] && s >= (float)threshold).Count();
        Assert.True((double)falseAccepts / different <= TargetFar, $"FAR {falseAccepts}/{different} > {TargetFar}");
        // ...and no lower threshold meets it: admitting the next different-pair score below would exceed the target.
        var below = scores.Where((s, i) => !same[i] && s < (float)threshold).DefaultIfEmpty(float.NaN).Max();
        if (!float.IsNaN(below))
        {
            int more = scores.Where((s, i) => !same[i] && s >= below).Count();
            Assert.True((double)more / different > TargetFar, $"threshold {below} would also meet FAR {TargetFar}");
        }

        // verify now decides with the card's threshold.
        var pairParts = fixture.PairLines[0].Split(' ');
        var verify = CliHarness.Run(
            "verify", "--model", output, "--json", "-",
            Path.Combine(fixture.DataFolder, pairParts[0]), Path.Combine(fixture.DataFolder, pairParts[1]));
        Assert.True(verify.ExitCode == 0, verify.Stderr);
        using var decision = JsonDocument.Parse(verify.Stdout);
        Assert.Equal("model", decision.RootElement.GetProperty("thresholdSource").GetString());
        Assert.Equal(threshold, decision.RootElement.GetProperty("threshold").GetDouble());
        Assert.Equal(scores[0] >= (float)threshold, decision.RootElement.GetProperty("same").GetBoolean());
        Assert.Equal(scores[0], decision.RootElement.GetProperty("score").GetSingle());
    }

    [Fact]
    public void Json_reports_the_achieved_rates()
    {
        string output = fixture.File("calibrated-json.onnx");
        var (code, stdout, stderr) = CliHarness.Run(
            "calibrate", "--model", fixture.ModelPath, "--data", fixture.DataFolder, "--far", "0.25", "--out", output, "--json", "-");
        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        var root = json.RootElement;
        Assert.InRange(root.GetProperty("far").GetDouble(), 0, 0.25);
        Assert.InRange(root.GetProperty("tar").GetDouble(), 0, 1);
        Assert.InRange(root.GetProperty("threshold").GetDouble(), -1, 1);
        Assert.Equal(0.25, root.GetProperty("targetFar").GetDouble());
        Assert.Equal(ModelCard.ReadFrom(output).VerificationThreshold, root.GetProperty("threshold").GetDouble());
    }

    [Fact]
    public void Far_that_needs_more_pairs_fails_with_one_line_and_writes_nothing()
    {
        string output = fixture.File("never.onnx");
        var (code, stdout, stderr) = CliHarness.Run(
            "calibrate", "--model", fixture.ModelPath, "--data", fixture.DataFolder, "--pairs", fixture.PairsFile, "--far", "0.001", "--out", output);
        Assert.Equal(1, code);
        Assert.Empty(stdout);
        string line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("kappaface: error: ", line);
        Assert.False(File.Exists(output));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1.5")]
    public void Far_outside_zero_one_fails(string far)
    {
        var (code, _, stderr) = CliHarness.Run(
            "calibrate", "--model", fixture.ModelPath, "--data", fixture.DataFolder, "--far", far, "--out", fixture.File("x.onnx"));
        Assert.Equal(1, code);
        Assert.Contains("(0, 1]", Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }

    [Fact]
    public void Missing_out_is_a_usage_error_and_help_lists_the_options()
    {
        var (code, stdout, stderr) = CliHarness.Run("calibrate", "--model", fixture.ModelPath, "--data", fixture.DataFolder);
        Assert.NotEqual(0, code);
        Assert.Contains("--out", stdout + stderr);
        var help = CliHarness.Run("calibrate", "--help");
        Assert.Equal(0, help.ExitCode);
        foreach (string option in new[] { "--model", "--data", "--pairs", "--far", "--out" })
        {
            Assert.Contains(option, help.Stdout);
        }
    }
}
