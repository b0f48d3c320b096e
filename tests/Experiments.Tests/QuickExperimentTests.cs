using System.Text.Json;
using KappaFace.MLNet.Benchmarks.Experiments;
using KappaFace.MLNet.Benchmarks.Experiments.Report;
using KappaFace.MLNet.Tests.Shared;
using KappaFace.MLNet.Trainer.Backbones;
using KappaFace.MLNet.Data;
using KappaFace.MLNet.Synthetic;
using Xunit;
using Xunit.Abstractions;

namespace KappaFace.MLNet.Experiments.Tests;

/// <summary>
/// The whole experiment (every run kind, the reports and the plots) on a tiny slice of the real faces, or on
/// synthetic faces when the shared data is absent: the structure is complete and every number is in range.
/// </summary>
public sealed class QuickExperimentTests(ITestOutputHelper output) : IDisposable
{
    private static readonly ExperimentSettings Tiny = ExperimentSettings.Quick with
    {
        Mode = "test", Backbone = BackboneKind.Tiny, ImageSize = 32, EmbeddingSize = 32, Epochs = 2, BatchSize = 16,
        Seeds = [1, 2], MaxIdentities = 12, HeldOutIdentities = 4, Pairs = 300, EpochPairs = 100,
    };

    private static readonly string[] ExpectedPlots =
    [
        "kappa-vs-class-size.png", "margin-vs-class-size.png", "margins-per-epoch.png", "loss-per-epoch.png",
        "accuracy-per-epoch.png", "roc-long-tail.png", "roc-balanced.png",
    ];

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "kappaface-experiment-test-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public void A_tiny_experiment_writes_a_complete_report_with_numbers_in_range_and_the_plots()
    {
        var (faces, source) = TinyFaces();
        var log = new StringWriter();
        ExperimentReport returned = ExperimentJob.Run(Tiny, faces, source, _folder, log, "test");
        output.WriteLine(log.ToString());

        string jsonPath = Path.Combine(_folder, ReportFiles.JsonName);
        AssertEveryNumberFinite(JsonDocument.Parse(File.ReadAllText(jsonPath)).RootElement, "$");
        ExperimentReport report = ReportFiles.Read(jsonPath);
        Assert.True(report.Complete);
        Assert.Equal(returned.Runs.Count, report.Runs.Count);

        AssertSplits(report.Data);
        AssertRuns(report);
        AssertSummary(report);
        AssertMetrics(report.Untrained, "untrained");

        string markdown = File.ReadAllText(Path.Combine(_folder, ReportFiles.MarkdownName));
        foreach (string expected in new[] { "kappaface", "arcface", "cosface", "KappaFace ablations", "mean learned margin", "Which loss wins" })
        {
            Assert.Contains(expected, markdown, StringComparison.Ordinal);
        }

        foreach (string plot in ExpectedPlots)
        {
            AssertPng(Path.Combine(_folder, ExperimentJob.PlotFolderName, plot));
        }
    }

    private static (FaceImageSet Faces, string Source) TinyFaces()
    {
        if (SharedData.DataSet("celeba-dev") is { } folder)
        {
            return (ExperimentData.Load(folder, Tiny.ImageSize, Tiny.MaxIdentities), folder);
        }

        // Without the shared data: generated faces with at least 12 images each, so the long tail has a head.
        var faces = SyntheticFaces.Generate(new SyntheticFaceOptions
        {
            Identities = Tiny.MaxIdentities, ImageSize = Tiny.ImageSize, MinImagesPerIdentity = 12, MaxImagesPerIdentity = 12, Seed = 5,
        });
        return (faces, "synthetic");
    }

    private static void AssertSplits(DataInfo data)
    {
        Assert.Equal(Tiny.HeldOutIdentities, data.HeldOutIdentities);
        Assert.Equal(Tiny.MaxIdentities - Tiny.HeldOutIdentities, data.LongTail.Identities);
        Assert.Equal(data.LongTail.Identities, data.Balanced.Identities);
        Assert.Equal(data.LongTail.Images, data.LongTail.Counts.Sum());
        Assert.Equal(data.Balanced.Images, data.Balanced.Counts.Sum());
        Assert.All(data.LongTail.Counts, c => Assert.InRange(c, Tiny.TailCount, Tiny.HeadCount));
        // The head identity keeps up to HeadCount images (a few celeba-dev identities have fewer than 12).
        Assert.InRange(data.LongTail.Counts[0], Tiny.HeadCount - 3, Tiny.HeadCount);
        Assert.Equal(Tiny.TailCount, data.LongTail.Counts[^1]);
        Assert.Equal((double)data.LongTail.Counts[0] / data.LongTail.Counts[^1], data.LongTail.ImbalanceRatio, 12);
        // The balanced split gives every identity the long tail's mean count (rounded).
        int balanced = (int)Math.Round(data.LongTail.Counts.Average(), MidpointRounding.AwayFromZero);
        Assert.All(data.Balanced.Counts, c => Assert.Equal(balanced, c));
        Assert.InRange(data.Pairs, 20, Tiny.Pairs);
    }

    private static void AssertRuns(ExperimentReport report)
    {
        int main = Tiny.Seeds.Count * 3 * 2;
        int ablations = 4;
        int fixedMargin = 2;
        Assert.Equal(main + ablations + fixedMargin, report.Runs.Count);
        Assert.Equal(report.Runs.Count, report.Runs.Select(r => r.Name).Distinct().Count());
        Assert.Equal(main, report.Runs.Count(r => r.Group == "main"));
        Assert.Equal(ablations, report.Runs.Count(r => r.Group == "ablation" && r.Loss == "kappaface"));

        foreach (var run in report.Runs)
        {
            Assert.Equal(Tiny.Epochs, run.Epochs.Count);
            Assert.All(run.Epochs, e => Assert.True(e.Loss > 0, $"{run.Name} epoch {e.Epoch}: loss {e.Loss}"));
            Assert.All(run.Epochs, e => Assert.InRange(e.HeldOutAccuracy ?? -1, 0, 1));
            Assert.True(run.Seconds > 0);
            AssertMetrics(run.Metrics, run.Name);
            AssertRoc(run.Roc, run.Name);
            if (run.Loss == "kappaface")
            {
                var k = run.KappaFace ?? throw new Xunit.Sdk.XunitException($"{run.Name} has no KappaFace values");
                int images = run.Split == "long-tail" ? report.Data.LongTail.Images : report.Data.Balanced.Images;
                Assert.Equal(images, k.Counts.Sum());
                // 0 is the defined value for a class none of whose images was sampled in the last epoch (the
                // trainer drops the last incomplete batch, and a tail class has only 2 images); never negative.
                Assert.All(k.Kappa, kappa => Assert.True(kappa >= 0, $"{run.Name}: kappa {kappa}"));
                Assert.True(k.Kappa.Count(kappa => kappa > 0) > k.Kappa.Count / 2, $"{run.Name}: most kappas are 0");
                Assert.All(k.Margins, m => Assert.InRange(m, 0, Math.PI));
                Assert.All(k.Psi, p => Assert.InRange(p, 0, 1));
                Assert.All(run.Epochs, e => Assert.InRange(e.Margins!.Median, e.Margins.Min, e.Margins.Max));
                Assert.Equal(k.Margins.Average(), run.Epochs[^1].Margins!.Mean, 9);
            }
            else
            {
                Assert.Null(run.KappaFace);
                Assert.All(run.Epochs, e => Assert.Null(e.Margins));
            }
        }

        // ArcFace's fixed margin is the mean learned margin of the same seed's KappaFace run on the same split.
        foreach (var fixedRun in report.Runs.Where(r => r.Group == "fixed-margin"))
        {
            Assert.Equal("arcface", fixedRun.Loss);
            var kappa = report.Runs.Single(r => r.Group == "main" && r.Loss == "kappaface" && r.Split == fixedRun.Split && r.Seed == fixedRun.Seed);
            Assert.Equal(kappa.KappaFace!.Margins.Average(), fixedRun.Hyper["m"], 12);
        }
    }

    private static void AssertSummary(ExperimentReport report)
    {
        Assert.Equal(6, report.Summary.Count);
        foreach (var row in report.Summary)
        {
            var runs = report.Runs.Where(r => r.Group == "main" && r.Split == row.Split && r.Loss == row.Loss).ToList();
            Assert.Equal(Tiny.Seeds.Count, row.Seeds);
            double[] accuracies = runs.Select(r => r.Metrics.Accuracy).ToArray();
            double mean = accuracies.Sum() / accuracies.Length;
            double std = Math.Sqrt(accuracies.Select(a => (a - mean) * (a - mean)).Sum() / (accuracies.Length - 1));
            Assert.Equal(mean, row.Accuracy.Mean, 12);
            Assert.Equal(std, row.Accuracy.Std, 12);
            Assert.InRange(row.Auc.Mean, 0, 1);
            Assert.NotNull(row.TarAt1e2);
            Assert.Equal(row.Loss == "kappaface", row.MeanMargin is not null);
        }
    }

    private static void AssertMetrics(FinalMetrics metrics, string name)
    {
        Assert.InRange(metrics.Accuracy, 0, 1);
        Assert.InRange(metrics.AccuracyStd, 0, 1);
        Assert.InRange(metrics.Auc, 0, 1);
        Assert.InRange(metrics.Eer, 0, 1);
        Assert.True(metrics.TarAtFar.ContainsKey("0.01"), $"{name} has no TAR@FAR=1e-2");
        Assert.All(metrics.TarAtFar.Values, tar => Assert.InRange(tar, 0, 1));
    }

    private static void AssertRoc(IReadOnlyList<RocSample> roc, string name)
    {
        Assert.True(roc.Count >= 2, $"{name}: ROC has {roc.Count} points");
        Assert.Equal((0.0, 0.0), (roc[0].Far, roc[0].Tar));
        Assert.Equal((1.0, 1.0), (roc[^1].Far, roc[^1].Tar));
        for (int i = 1; i < roc.Count; i++)
        {
            Assert.True(roc[i].Far >= roc[i - 1].Far && roc[i].Tar >= roc[i - 1].Tar, $"{name}: ROC not monotone at {i}");
        }
    }

    private static void AssertEveryNumberFinite(JsonElement element, string path)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    AssertEveryNumberFinite(property.Value, path + "." + property.Name);
                }

                break;
            case JsonValueKind.Array:
                int i = 0;
                foreach (var item in element.EnumerateArray())
                {
                    AssertEveryNumberFinite(item, $"{path}[{i++}]");
                }

                break;
            case JsonValueKind.Number:
                Assert.True(double.IsFinite(element.GetDouble()), $"{path} = {element}");
                break;
            case JsonValueKind.String:
                // The writer spells NaN and infinities as strings.
                Assert.DoesNotContain(element.GetString(), new[] { "NaN", "Infinity", "-Infinity" });
                break;
        }
    }

    private static void AssertPng(string path)
    {
        Assert.True(File.Exists(path), $"{path} was not written");
        byte[] bytes = File.ReadAllBytes(path);
        byte[] signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];
        Assert.Equal(signature, bytes.Take(8).ToArray());
        // IHDR follows the signature: length, "IHDR", then big-endian width and height.
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(bytes, 12, 4));
        int width = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16));
        int height = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20));
        Assert.True(width >= 400 && height >= 300, $"{path} is {width}x{height}");
        Assert.True(bytes.Length > 5000, $"{path} is only {bytes.Length} bytes: probably empty");
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temp folder must not fail a test.
        }
    }
}
