using System.Text.Json;
using KappaFace.MLNet.Tests.Shared;

namespace KappaFace.MLNet.Cli.Tests;

/// <summary><c>kappaface demo</c> (README command one) in a small configuration: both losses trained, reported and saved.</summary>
public class DemoCommandTests
{
    [Fact]
    public void Small_demo_trains_both_losses_reports_json_and_honours_the_training_options()
    {
        using var temp = new TempFolder();
        string outFolder = temp.Folder("demo");
        var (code, stdout, stderr) = CliHarness.Run(
            "demo", "--identities", "12", "--backbone", "tiny", "--image-size", "32", "--embedding-size", "16", "--epochs", "2",
            "--batch-size", "16", "--scale", "16", "--sample-rate", "0.5", "--memory-buffer", "fp16", "--decode-workers", "2",
            "--out", outFolder, "--json", "-");
        Assert.True(code == 0, stderr);

        string json = stdout[stdout.IndexOf('{', StringComparison.Ordinal)..];
        using var document = JsonDocument.Parse(json);
        JsonElement root = document.RootElement;
        JsonElement dataset = root.GetProperty("dataset");
        Assert.Equal(12, dataset.GetProperty("trainIdentities").GetInt32() + dataset.GetProperty("heldOutIdentities").GetInt32());
        Assert.InRange(root.GetProperty("untrainedAccuracy").GetDouble(), 0, 1);
        JsonElement[] runs = [.. root.GetProperty("runs").EnumerateArray()];
        Assert.Equal(["kappaface", "arcface"], runs.Select(r => r.GetProperty("loss").GetString()));
        foreach (JsonElement run in runs)
        {
            Assert.Equal(2, run.GetProperty("epochs").GetArrayLength());
            Assert.InRange(run.GetProperty("heldOutAccuracy").GetDouble(), 0, 1);
            Assert.Equal(0.5, run.GetProperty("hyperParameters").GetProperty("sampleRate").GetDouble());
            Assert.Equal(16, run.GetProperty("hyperParameters").GetProperty("s").GetDouble());
            Assert.Equal(2, run.GetProperty("decodeWorkers").GetInt32());
            Assert.True(File.Exists(run.GetProperty("model").GetString()));
        }

        // The memory buffer is KappaFace's: its run carries the requested precision.
        Assert.Equal("fp16", runs[0].GetProperty("hyperParameters").GetProperty("memoryBuffer").GetString());
        Assert.True(File.Exists(Path.Combine(outFolder, "demo.json")));
        Assert.Contains("held-out accuracy", stdout, StringComparison.Ordinal);
    }
}
