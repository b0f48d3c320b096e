using System.Text.Json;
using KappaFace.MLNet.Onnx;
using KappaFace.MLNet.Data;

namespace KappaFace.MLNet.Cli.Tests;

/// <summary><c>kappaface embed</c>: the JSON shape of docs/cli.md, the loader's decoding rules, one-line errors.</summary>
public class EmbedCommandTests(CliFixture fixture) : IClassFixture<CliFixture>
{
    [Fact]
    public void Json_has_one_entry_per_image_matching_the_embedder()
    {
        string target = fixture.File("embed.json");
        var (code, stdout, stderr) = CliHarness.Run(
            "embed", "--model", fixture.ModelPath, "--device", "cpu", "--json", target, fixture.ImageA, fixture.ImageB, fixture.ImageC);
        Assert.True(code == 0, stderr);

        // The same images decoded by the loader and embedded through the library directly.
        string[] paths = [fixture.ImageA, fixture.ImageB, fixture.ImageC];
        var pixels = paths.SelectMany(p => FaceImageFile.Decode(p, CliFixture.InputSize)).Select(b => (float)b).ToArray();
        using var embedder = FaceEmbedder.Open(fixture.ModelPath, new FaceEmbedderOptions { ExecutionProvider = "cpu" });
        var expected = embedder.Embed(pixels, 3);

        using var json = JsonDocument.Parse(File.ReadAllText(target));
        var entries = json.RootElement.EnumerateArray().ToArray();
        Assert.Equal(3, entries.Length);
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(paths[i], entries[i].GetProperty("path").GetString());
            float[] embedding = entries[i].GetProperty("embedding").EnumerateArray().Select(e => e.GetSingle()).ToArray();
            Assert.Equal(expected.GetEmbedding(i).ToArray(), embedding);
            Assert.Equal(expected.GetNorm(i), entries[i].GetProperty("norm").GetSingle());
            Assert.Equal(1.0, Math.Sqrt(embedding.Sum(v => (double)v * v)), 5);
        }

        // Different images, different embeddings: the command really read each file.
        Assert.NotEqual(expected.GetEmbedding(0).ToArray(), expected.GetEmbedding(1).ToArray());
        Assert.Equal(3, stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Contains("(16 values)", stdout);
    }

    [Fact]
    public void Single_files_decode_exactly_as_the_folder_loader_does()
    {
        // The loader reads DIR/<identity>/<image>; the fixture's images sit in one such identity folder.
        var set = FaceImageSet.LoadFolder(Path.GetDirectoryName(Path.GetDirectoryName(fixture.ImageA))!, CliFixture.InputSize);
        foreach (string path in new[] { fixture.ImageA, fixture.ImageB, fixture.ImageC })
        {
            int index = set.Sources.ToList().IndexOf(path);
            Assert.True(index >= 0, path);
            Assert.Equal(set.GetPixels(index).ToArray(), FaceImageFile.Decode(path, CliFixture.InputSize));
        }
    }

    [Fact]
    public void Json_to_stdout_is_pure_json()
    {
        var (code, stdout, stderr) = CliHarness.Run("embed", "--model", fixture.ModelPath, "--json", "-", fixture.ImageA);
        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        Assert.Equal(16, json.RootElement[0].GetProperty("embedding").GetArrayLength());
    }

    [Fact]
    public void Undecodable_image_fails_with_one_line_naming_it()
    {
        var (code, stdout, stderr) = CliHarness.Run("embed", "--model", fixture.ModelPath, fixture.ImageA, fixture.NotAnImage);
        Assert.Equal(1, code);
        Assert.Empty(stdout);
        string line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("kappaface: error: ", line);
        Assert.Contains("broken.png", line);
    }

    [Fact]
    public void Model_that_is_not_onnx_fails_with_one_line()
    {
        var (code, _, stderr) = CliHarness.Run("embed", "--model", fixture.ImageA, fixture.ImageA);
        Assert.Equal(1, code);
        string line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("a.png", line);
    }

    [Fact]
    public void No_image_is_a_usage_error()
    {
        var (code, stdout, stderr) = CliHarness.Run("embed", "--model", fixture.ModelPath);
        Assert.NotEqual(0, code);
        Assert.Contains("IMAGE", stdout + stderr);
    }
}
