using System.Text.Json;
using KappaFace.MLNet.Onnx;

namespace KappaFace.MLNet.Cli.Tests;

/// <summary><c>kappaface info</c> on an exported model and on files that are not models.</summary>
public class InfoCommandTests(CliFixture fixture) : IClassFixture<CliFixture>
{
    [Fact]
    public void Json_to_stdout_has_the_design_shape()
    {
        var (code, stdout, stderr) = CliHarness.Run("info", "--model", fixture.ModelPath, "--json", "-");
        Assert.True(code == 0, stderr);

        using var json = JsonDocument.Parse(stdout);
        var root = json.RootElement;
        var input = Assert.Single(root.GetProperty("inputs").EnumerateArray());
        Assert.Equal("input", input.GetProperty("name").GetString());
        Assert.Equal("batch,3,32,32", Shape(input));
        var outputs = root.GetProperty("outputs").EnumerateArray().ToArray();
        Assert.Equal(new[] { "embedding", "embedding_norm" }, outputs.Select(o => o.GetProperty("name").GetString()));
        Assert.Equal("batch,16", Shape(outputs[0]));
        Assert.Equal("batch,1", Shape(outputs[1]));
        Assert.Equal("float32", outputs[0].GetProperty("type").GetString());

        var metadata = root.GetProperty("metadata").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString());
        var card = ModelCard.ReadFrom(fixture.ModelPath);
        Assert.Equal(card.ToMetadata().ToDictionary(p => p.Key, p => (string?)p.Value), metadata);
        Assert.Equal("tiny", metadata["model.backbone"]);
        Assert.Equal(8, root.GetProperty("irVersion").GetInt32());
        Assert.Equal(13, root.GetProperty("opsets").GetProperty("ai.onnx").GetInt32());

        // The tiny 32x32 network does real convolution work, and holds its weights as initialisers.
        var work = root.GetProperty("work");
        Assert.InRange(work.GetProperty("gflopsPerImage").GetDouble(), 1e-4, 1);
        var model = OnnxModelFile.Load(fixture.ModelPath);
        Assert.Equal(model.Graph.Initializer.Sum(t => t.Dims.Aggregate(1L, (a, b) => a * b)), work.GetProperty("parameters").GetInt64());
    }

    /// <summary>A shape as "batch,3,32,32"; a string dimension must be a JSON string, a size a JSON number.</summary>
    private static string Shape(JsonElement value) => string.Join(",", value.GetProperty("shape").EnumerateArray().Select(d =>
        d.ValueKind == JsonValueKind.String ? d.GetString() : d.GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture)));

    [Fact]
    public void Json_file_and_readable_summary()
    {
        string target = fixture.File("info.json");
        var (code, stdout, stderr) = CliHarness.Run("info", "--model", fixture.ModelPath, "--json", target);
        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(File.ReadAllText(target));
        Assert.Equal(2, json.RootElement.GetProperty("outputs").GetArrayLength());
        Assert.Contains("input  float32 [batch, 3, 32, 32]", stdout);
        Assert.Contains("embedding_norm  float32 [batch, 1]", stdout);
        Assert.Contains("input.color_order = RGB", stdout);
        Assert.Contains("work per image: ", stdout);
    }

    [Theory]
    [InlineData("missing.onnx", "does not exist")]
    [InlineData("broken.png", "not an ONNX")]
    public void Bad_model_file_fails_with_one_line(string name, string reason)
    {
        var (code, stdout, stderr) = CliHarness.Run("info", "--model", fixture.File(name));
        Assert.Equal(1, code);
        Assert.Empty(stdout);
        string line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("kappaface: error: ", line);
        Assert.Contains(name, line);
        Assert.Contains(reason, line, StringComparison.OrdinalIgnoreCase);
    }
}
