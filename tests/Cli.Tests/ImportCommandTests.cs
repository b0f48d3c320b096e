using System.Text.Json;
using KappaFace.MLNet.Onnx;

namespace KappaFace.MLNet.Cli.Tests;

/// <summary>
/// <c>kappaface import</c>, then the other commands on the imported model unchanged. The "foreign" model is
/// the fixture's own export taken as a black box (tensor names that clash with the contract's, two outputs,
/// its own normalisation), imported with identity preprocessing, so every command must give the same
/// answers on both files.
/// </summary>
public class ImportCommandTests(FaceFolderFixture fixture) : IClassFixture<FaceFolderFixture>
{
    private string Import(string name, params string[] extra)
    {
        string output = fixture.File(name);
        var (code, _, stderr) = CliHarness.Run(
            ["import", "--model", fixture.ModelPath, "--out", output, "--pixel-scale", "1", "--mean", "0,0,0", "--std", "1,1,1", "--output", "embedding", .. extra]);
        Assert.True(code == 0, stderr);
        return output;
    }

    [Fact]
    public void Embed_verify_evaluate_and_calibrate_use_the_imported_model_unchanged()
    {
        string imported = Import("imported.onnx", "--alignment", "none");
        var card = ModelCard.ReadFrom(imported);
        Assert.Equal("embedding", card.AdditionalProperties[ModelCardKeys.SourceOutputName]);
        Assert.Equal("channels=RGB;scale=1;mean=0,0,0;std=1,1,1", card.AdditionalProperties[ModelCardKeys.SourcePreprocessing]);

        double[][] Embed(string model)
        {
            var (code, stdout, stderr) = CliHarness.Run("embed", "--model", model, "--json", "-", fixture.Model.ImageA, fixture.Model.ImageB, fixture.Model.ImageC);
            Assert.True(code == 0, stderr);
            using var json = JsonDocument.Parse(stdout);
            return [.. json.RootElement.EnumerateArray().Select(e => e.GetProperty("embedding").EnumerateArray().Select(v => v.GetDouble()).ToArray())];
        }

        var original = Embed(fixture.ModelPath);
        var ours = Embed(imported);
        for (int i = 0; i < original.Length; i++)
        {
            Assert.Equal(original[i].Length, ours[i].Length);
            Assert.True(original[i].Zip(ours[i]).All(p => Math.Abs(p.First - p.Second) < 1e-5), $"image {i}");
        }

        (double Accuracy, double Auc) Evaluate(string model)
        {
            var (code, stdout, stderr) = CliHarness.Run("evaluate", "--model", model, "--data", fixture.DataFolder, "--pairs", fixture.PairsFile, "--json", "-");
            Assert.True(code == 0, stderr);
            using var json = JsonDocument.Parse(stdout);
            return (json.RootElement.GetProperty("accuracy").GetDouble(), json.RootElement.GetProperty("auc").GetDouble());
        }

        Assert.Equal(Evaluate(fixture.ModelPath), Evaluate(imported));

        var (verifyCode, verifyOut, verifyErr) = CliHarness.Run("verify", "--model", imported, "--threshold", "0.3", "--json", "-", fixture.Model.ImageA, fixture.Model.ImageB);
        Assert.True(verifyCode == 0, verifyErr);
        Assert.Contains("\"score\"", verifyOut, StringComparison.Ordinal);

        string calibrated = fixture.File("imported-calibrated.onnx");
        var (calibrateCode, _, calibrateErr) = CliHarness.Run("calibrate", "--model", imported, "--data", fixture.DataFolder, "--pairs", fixture.PairsFile, "--far", "0.1", "--out", calibrated);
        Assert.True(calibrateCode == 0, calibrateErr);
        var calibratedCard = ModelCard.ReadFrom(calibrated);
        Assert.NotNull(calibratedCard.VerificationThreshold);
        Assert.Equal(card.AdditionalProperties[ModelCardKeys.SourceSha256], calibratedCard.AdditionalProperties[ModelCardKeys.SourceSha256]);
    }

    [Fact]
    public void Bad_import_requests_fail_with_one_line_reasons()
    {
        string output = fixture.File("never.onnx");
        var (code, _, stderr) = CliHarness.Run("import", "--model", fixture.ModelPath, "--out", output);
        Assert.NotEqual(0, code);
        Assert.Contains("2 outputs", stderr, StringComparison.Ordinal);

        (code, _, stderr) = CliHarness.Run("import", "--model", fixture.ModelPath, "--out", output, "--output", "embedding", "--input", "pixels");
        Assert.NotEqual(0, code);
        Assert.Contains("no input 'pixels'", stderr, StringComparison.Ordinal);

        (code, _, stderr) = CliHarness.Run("import", "--model", fixture.ModelPath, "--out", output, "--output", "embedding", "--mean", "1,2");
        Assert.NotEqual(0, code);
        Assert.Contains("three comma-separated values", stderr, StringComparison.Ordinal);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.False(File.Exists(output));
    }
}
