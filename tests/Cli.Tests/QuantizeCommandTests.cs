using KappaFace.MLNet.Onnx;
using KappaFace.MLNet.Data;

namespace KappaFace.MLNet.Cli.Tests;

/// <summary><c>kappaface quantize</c> on the exported tiny model, calibrated on the fixture's generated face folder.</summary>
public class QuantizeCommandTests(FaceFolderFixture fixture) : IClassFixture<FaceFolderFixture>
{
    [Fact]
    public void Writes_an_int8_model_that_keeps_the_contract_card_and_embeddings()
    {
        string target = fixture.File("tiny-int8.onnx");
        var (code, stdout, stderr) = CliHarness.Run(
            "quantize", "--model", fixture.ModelPath, "--calibration", fixture.DataFolder, "--out", target, "--images", "12");
        Assert.True(code == 0, stderr);
        Assert.Contains("calibrated on 12 images", stdout);

        var before = ModelCard.ReadFrom(fixture.ModelPath).ToMetadata().ToDictionary(p => p.Key, p => p.Value);
        var after = ModelCard.ReadFrom(target).ToMetadata().ToDictionary(p => p.Key, p => p.Value);
        Assert.Equal("qdq-u8s8", after[ModelCardKeys.QuantizationScheme]);
        Assert.Equal("12", after[ModelCardKeys.QuantizationCalibrationImages]);
        Assert.StartsWith("percentile", after[ModelCardKeys.QuantizationMethod]);
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}$", after[ModelCardKeys.QuantizationDate]);
        Assert.Equal(before, after.Where(p => !p.Key.StartsWith("quantization.", StringComparison.Ordinal)).ToDictionary(p => p.Key, p => p.Value));

        var model = OnnxModelFile.Load(target);
        Assert.Contains(model.Graph.Node, n => n.OpType == "QuantizeLinear");
        Assert.All(model.Graph.Node.Where(n => n.OpType == "Conv"), conv => Assert.EndsWith("_dequantized", conv.Input[1], StringComparison.Ordinal));

        // All 20 generated images, 8 of them never seen in calibration: int8 embeds close to float32.
        using var reference = FaceEmbedder.Open(fixture.ModelPath, new FaceEmbedderOptions { ExecutionProvider = "cpu" });
        using var quantized = FaceEmbedder.Open(target, new FaceEmbedderOptions { ExecutionProvider = "cpu" });
        Assert.Equal((reference.InputSize, reference.EmbeddingSize), (quantized.InputSize, quantized.EmbeddingSize));
        float[][] images = [.. Directory.EnumerateFiles(fixture.DataFolder, "*.png", SearchOption.AllDirectories)
            .Select(p => Array.ConvertAll(FaceImageFile.Decode(p, reference.InputSize), b => (float)b))];
        Assert.Equal(FaceFolderFixture.Identities * FaceFolderFixture.ImagesPerIdentity, images.Length);
        var expected = reference.Embed(images);
        var actual = quantized.Embed(images);
        for (int i = 0; i < images.Length; i++)
        {
            double cosine = expected.GetEmbedding(i).ToArray().Zip(actual.GetEmbedding(i).ToArray()).Sum(p => (double)p.First * p.Second);
            Assert.True(cosine > 0.98, $"image {i}: cosine {cosine}");
        }
    }

    [Fact]
    public void Bad_model_fails_with_one_line()
    {
        var (code, stdout, stderr) = CliHarness.Run(
            "quantize", "--model", fixture.File("broken.png"), "--calibration", fixture.DataFolder, "--out", fixture.File("x.onnx"));
        AssertOneLineError(code, stdout, stderr, "broken.png", "not an ONNX");
        Assert.False(File.Exists(fixture.File("x.onnx")));
    }

    [Fact]
    public void Missing_calibration_folder_fails_with_one_line()
    {
        string missing = fixture.File("no-such-folder");
        var (code, stdout, stderr) = CliHarness.Run("quantize", "--model", fixture.ModelPath, "--calibration", missing, "--out", fixture.File("y.onnx"));
        AssertOneLineError(code, stdout, stderr, "no-such-folder", "does not exist");
    }

    [Fact]
    public void Calibration_folder_without_images_fails_with_one_line()
    {
        string empty = fixture.Model.Folder.Folder("empty/person");
        fixture.Model.Folder.Bytes("empty/person/notes.txt", [65, 66]);
        var (code, stdout, stderr) = CliHarness.Run("quantize", "--model", fixture.ModelPath, "--calibration", Path.GetDirectoryName(empty)!, "--out", fixture.File("z.onnx"));
        AssertOneLineError(code, stdout, stderr, "empty", "holds no images");
        Assert.False(File.Exists(fixture.File("z.onnx")));
    }

    private static void AssertOneLineError(int code, string stdout, string stderr, string name, string reason)
    {
        Assert.Equal(1, code);
        Assert.Empty(stdout);
        string line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("kappaface: error: ", line);
        Assert.Contains(name, line);
        Assert.Contains(reason, line, StringComparison.OrdinalIgnoreCase);
    }
}
