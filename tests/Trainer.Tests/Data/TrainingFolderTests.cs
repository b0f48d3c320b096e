using KappaFace.MLNet.Data;
using KappaFace.MLNet.Tests.Shared;
using KappaFace.MLNet.Trainer.Data;
using KappaFace.MLNet.Trainer.Tests.Training;
using KappaFace.MLNet.Trainer.Training;
using Xunit;

namespace KappaFace.MLNet.Trainer.Tests.Data;

/// <summary>The training data of a folder: loaded and streamed agree, the split holds identities out, the policy is applied.</summary>
public class TrainingFolderTests
{
    [Fact]
    public void Loaded_and_streamed_folders_give_the_same_images_and_split()
    {
        using var temp = new TempFolder();
        var set = TrainingFixtures.SmallSynthetic();
        string data = ImageFolderFixture.Write(temp, set);
        var options = new TrainingFolderOptions { ImageSize = set.ImageSize, ValidationFraction = 0.25, Seed = 3 };
        var lines = new List<string>();

        var loaded = TrainingFolder.Load(data, options, lines.Add);
        var streamed = TrainingFolder.Load(data, options with { Stream = true }, lines.Add);

        Assert.Equal(set.Count, loaded.Train.Count + loaded.Validation!.Count);
        Assert.Equal(loaded.Train.Sources, streamed.Train.Sources);
        Assert.Equal(loaded.Train.Labels, streamed.Train.Labels);
        Assert.Equal(loaded.Validation.Sources, streamed.Validation!.Sources);
        Assert.Empty(loaded.Train.Sources.Select(Path.GetDirectoryName).Intersect(loaded.Validation.Sources.Select(Path.GetDirectoryName)));
        var pixels = new byte[3 * set.ImageSize * set.ImageSize];
        var streamedPixels = new byte[pixels.Length];
        loaded.Train.CopyPixels(0, pixels);
        streamed.Train.CopyPixels(0, streamedPixels);
        Assert.Equal(pixels, streamedPixels);
        Assert.Contains(lines, l => l.StartsWith("Loading ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("Streaming ", StringComparison.Ordinal));
        Assert.Null(TrainingFolder.Load(data, options with { ValidationFraction = 0 }).Validation);
    }

    [Fact]
    public void Bad_images_meet_the_policy_and_bad_fractions_are_refused()
    {
        using var temp = new TempFolder();
        var set = TrainingFixtures.SmallSynthetic();
        string data = ImageFolderFixture.Write(temp, set);
        string empty = temp.Bytes($"data/{set.ClassNames[0]}/empty.jpg", []);
        var options = new TrainingFolderOptions { ImageSize = set.ImageSize };

        var error = Assert.Throws<FaceDataException>(() => TrainingFolder.Load(data, options with { Stream = true }));
        Assert.Equal(empty, error.Path);
        Assert.NotNull(error.Report);

        var skipped = TrainingFolder.Load(data, options with { DataChecks = new FaceFolderLoadOptions { OnBadImage = BadImagePolicy.Skip } });
        Assert.Equal(set.Count, skipped.Train.Count);
        Assert.Contains(skipped.Report.Issues, issue => issue.Path == empty);
        Assert.Throws<ArgumentOutOfRangeException>(() => TrainingFolder.Load(data, options with { ValidationFraction = 1 }));
    }

    [Fact]
    public void Margins_by_frequency_average_the_rarest_and_most_populous_classes()
    {
        // Ten classes; counts out of label order so the ordering matters.
        long[] counts = [5, 1, 9, 2, 8, 3, 7, 4, 6, 10];
        double[] margins = [.. counts.Select(c => 1.0 / c)];
        var values = new KappaFaceEpochValues(counts, new double[10], new double[10], margins);

        var (rarest, common) = values.MeanMarginsByFrequency();

        Assert.Equal((1.0 + 0.5) / 2, rarest, 12);
        Assert.Equal((1.0 / 9 + 0.1) / 2, common, 12);
        Assert.Equal(0.1, values.MeanMarginsByFrequency(0.01).MostPopulous, 12);
    }
}
