using System.Text.Json;

namespace KappaFace.MLNet.Cli.Tests;

/// <summary><c>kappaface verify</c>: score, threshold from the option or the card, decision at the boundary, errors.</summary>
public class VerifyCommandTests(CliFixture fixture) : IClassFixture<CliFixture>
{
    private static JsonElement RunJson(params string[] args)
    {
        var (code, stdout, stderr) = CliHarness.Run([.. args, "--json", "-"]);
        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        return json.RootElement.Clone();
    }

    [Fact]
    public void Decision_is_score_at_least_threshold_up_to_the_last_float_step()
    {
        var first = RunJson("verify", "--model", fixture.ModelPath, "--threshold", "0", fixture.ImageA, fixture.ImageB);
        float score = first.GetProperty("score").GetSingle();
        Assert.InRange(score, -1f, 1f);
        Assert.Equal(score >= 0f, first.GetProperty("same").GetBoolean());
        Assert.Equal("option", first.GetProperty("thresholdSource").GetString());

        // At exactly the score: same. One float step above it: different.
        var atScore = RunJson("verify", "--model", fixture.ModelPath, "--threshold", FaceFolderFixture.Invariant(score), fixture.ImageA, fixture.ImageB);
        Assert.True(atScore.GetProperty("same").GetBoolean());
        Assert.Equal(score, atScore.GetProperty("score").GetSingle());
        Assert.Equal((double)score, atScore.GetProperty("threshold").GetDouble());
        var above = RunJson("verify", "--model", fixture.ModelPath, "--threshold", FaceFolderFixture.Invariant(MathF.BitIncrement(score)), fixture.ImageA, fixture.ImageB);
        Assert.False(above.GetProperty("same").GetBoolean());
    }

    [Fact]
    public void Same_image_twice_scores_one_and_readable_output_says_same()
    {
        var (code, stdout, stderr) = CliHarness.Run("verify", "--model", fixture.ModelPath, "--threshold", "0.5", fixture.ImageC, fixture.ImageC);
        Assert.True(code == 0, stderr);
        Assert.StartsWith("same person: score 1.0000 >= threshold 0.5 (--threshold)", stdout);
        Assert.Single(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Json_file_has_the_design_keys()
    {
        string target = fixture.File("verify.json");
        var (code, _, stderr) = CliHarness.Run("verify", "--model", fixture.ModelPath, "--threshold", "-1", "--json", target, fixture.ImageA, fixture.ImageC);
        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(File.ReadAllText(target));
        var keys = json.RootElement.EnumerateObject().Select(p => p.Name).ToHashSet();
        Assert.Superset(new HashSet<string> { "score", "threshold", "same" }, keys);
        Assert.True(json.RootElement.GetProperty("same").GetBoolean());
        Assert.Equal(-1, json.RootElement.GetProperty("threshold").GetDouble());
    }

    [Fact]
    public void Model_without_threshold_and_no_option_fails_with_one_line()
    {
        var (code, stdout, stderr) = CliHarness.Run("verify", "--model", fixture.ModelPath, fixture.ImageA, fixture.ImageB);
        Assert.Equal(1, code);
        Assert.Empty(stdout);
        string line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("kappaface: error: ", line);
        Assert.Contains("verification.threshold", line);
        Assert.Contains("--threshold", line);
    }

    [Theory]
    [InlineData("missing.png")]
    [InlineData("broken.png")]
    public void Missing_or_broken_image_fails_with_one_line_naming_it(string name)
    {
        var (code, _, stderr) = CliHarness.Run("verify", "--model", fixture.ModelPath, "--threshold", "0.3", fixture.ImageA, fixture.File(name));
        Assert.Equal(1, code);
        string line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(name, line);
    }

    [Fact]
    public void One_image_is_a_usage_error_and_help_lists_the_options()
    {
        var (code, stdout, stderr) = CliHarness.Run("verify", "--model", fixture.ModelPath, fixture.ImageA);
        Assert.NotEqual(0, code);
        Assert.Contains("IMAGE_B", stdout + stderr);

        var help = CliHarness.Run("verify", "--help");
        Assert.Equal(0, help.ExitCode);
        foreach (string option in new[] { "--model", "--threshold", "--json", "IMAGE_A", "IMAGE_B" })
        {
            Assert.Contains(option, help.Stdout);
        }
    }
}
