using System.Text.Json;

namespace KappaFace.MLNet.Cli.Tests;

/// <summary><c>kappaface benchmark</c>: the JSON shape of docs/cli.md and one-line errors.</summary>
public class BenchmarkCommandTests(CliFixture fixture) : IClassFixture<CliFixture>
{
    [Fact]
    public void Json_has_the_design_shape_and_consistent_numbers()
    {
        var (code, stdout, stderr) = CliHarness.Run(
            "benchmark", "--model", fixture.ModelPath, "--batch", "4", "--seconds", "0.2", "--threads", "1", "--json", "-");
        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        var root = json.RootElement;
        Assert.Equal(4, root.GetProperty("batch").GetInt32());
        Assert.Equal(1, root.GetProperty("threads").GetInt32());
        Assert.Equal(fixture.ModelPath, root.GetProperty("model").GetString());
        var latency = root.GetProperty("latencyMs");
        double p50 = latency.GetProperty("p50").GetDouble(), p90 = latency.GetProperty("p90").GetDouble(), p99 = latency.GetProperty("p99").GetDouble();
        Assert.True(p50 > 0 && p50 <= p90 && p90 <= p99, $"{p50} {p90} {p99}");
        int batches = root.GetProperty("batches").GetInt32();
        Assert.True(batches >= 3, $"{batches} batches");
        // Throughput and latency describe the same runs: the mean latency batch / (images/s) lies between
        // half the median and the slowest batch (p99 is the slowest below 100 batches).
        double meanMs = 4 / root.GetProperty("imagesPerSecond").GetDouble() * 1000;
        Assert.InRange(meanMs, p50 / 2 * 0.99, p99 * 1.01);
    }

    [Theory]
    [InlineData("missing.onnx", "does not exist")]
    [InlineData("broken.png", "not an ONNX")]
    public void Bad_model_fails_with_one_line(string name, string reason)
    {
        var (code, stdout, stderr) = CliHarness.Run("benchmark", "--model", fixture.File(name), "--seconds", "0");
        Assert.Equal(1, code);
        Assert.Empty(stdout);
        string line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("kappaface: error: ", line);
        Assert.Contains(name, line);
        Assert.Contains(reason, line, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Zero_batch_fails_with_one_line()
    {
        var (code, _, stderr) = CliHarness.Run("benchmark", "--model", fixture.ModelPath, "--batch", "0");
        Assert.Equal(1, code);
        Assert.StartsWith("kappaface: error: ", Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }
}
