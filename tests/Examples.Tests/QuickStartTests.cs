using System.Globalization;
using System.Text.RegularExpressions;
using Xunit;
using Xunit.Abstractions;

namespace KappaFace.MLNet.Examples.Tests;

/// <summary>Runs the built QuickStart example as a process with small settings and checks what it prints.</summary>
public partial class QuickStartTests(ITestOutputHelper output)
{
    [Fact]
    public void QuickStart_trains_saves_reloads_and_verifies_on_synthetic_faces()
    {
        string outDir = Path.Combine(Path.GetTempPath(), $"kappaface-qs-test-{Guid.NewGuid():N}");
        try
        {
            (int exit, string stdout) = ExampleRunner.Run("QuickStart", ["--epochs", "3", "--size", "32", "--dim", "32", "--out", outDir], TimeSpan.FromMinutes(5));
            output.WriteLine(stdout);
            Assert.Equal(0, exit);
            Assert.Matches(@"trained: 12 identities, 96 images, 3 epochs on cpu, loss [\d.]+ -> [\d.]+", stdout);
            Assert.Contains("reload check: identical embeddings", stdout, StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(outDir, "model.zip")));
            Assert.True(File.Exists(Path.Combine(outDir, "face.onnx")));
            Assert.Contains("[train] Epoch 3/3", stdout, StringComparison.Ordinal);
            foreach (string kind in new[] { "same", "different" })
            {
                Match m = VerifyLine().Match(stdout[stdout.IndexOf($"verify {kind}:", StringComparison.Ordinal)..]);
                Assert.True(m.Success, $"no verify {kind} line");
                float score = float.Parse(m.Groups["score"].Value, CultureInfo.InvariantCulture);
                Assert.InRange(score, -1f, 1f);
                Assert.Contains(m.Groups["decision"].Value, new[] { "same", "different" });
            }

            Match threshold = ThresholdLine().Match(stdout);
            Assert.True(threshold.Success);
        }
        finally
        {
            if (Directory.Exists(outDir))
            {
                Directory.Delete(outDir, recursive: true);
            }
        }
    }

    [SkippableFact]
    public void QuickStart_trains_on_a_real_face_folder()
    {
        string? celeba = KappaFace.MLNet.Tests.Shared.SharedData.DataSet("celeba-dev");
        Skip.If(celeba is null, KappaFace.MLNet.Tests.Shared.SharedData.MissingReason("celeba-dev"));
        string outDir = Path.Combine(Path.GetTempPath(), $"kappaface-qs-test-{Guid.NewGuid():N}");
        try
        {
            (int exit, string stdout) = ExampleRunner.Run("QuickStart", [celeba!, "--epochs", "1", "--size", "32", "--dim", "32", "--out", outDir], TimeSpan.FromMinutes(5));
            output.WriteLine(stdout);
            Assert.Equal(0, exit);
            int identities = Directory.GetDirectories(celeba!).Length;
            Assert.Contains($"data: {Path.GetFullPath(celeba!)}", stdout, StringComparison.Ordinal);
            Assert.Contains($"trained: {identities} identities", stdout, StringComparison.Ordinal);
            Assert.Contains("reload check: identical embeddings", stdout, StringComparison.Ordinal);
        }
        finally
        {
            if (Directory.Exists(outDir))
            {
                Directory.Delete(outDir, recursive: true);
            }
        }
    }

    [Fact]
    public void QuickStart_rejects_an_unknown_option()
    {
        (int exit, string stdout) = ExampleRunner.Run("QuickStart", ["--frobnicate"], TimeSpan.FromMinutes(1));
        output.WriteLine(stdout);
        Assert.NotEqual(0, exit);
    }

    [GeneratedRegex(@"verify \w+: \S+ vs \S+: score=(?<score>-?[\d.]+) decision=(?<decision>\w+)")]
    private static partial Regex VerifyLine();

    [GeneratedRegex(@"threshold: -?[\d.]+ \(accuracy [\d.]+ % on 400 training pairs\)")]
    private static partial Regex ThresholdLine();
}
