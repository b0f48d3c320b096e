using KappaFace.MLNet.Tests.Shared;
using SkiaSharp;
using Xunit;

namespace KappaFace.MLNet.Data.Tests.Pairs;

/// <summary>The pairs of a verification run: the options record, the draw from a folder, and a pairs file under the bad-image policy.</summary>
public sealed class VerificationPairsTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public VerificationPairsTests()
    {
        // 3 identities x 3 distinct images: 9 same-identity pairs, 27 different-identity pairs.
        for (int id = 0; id < 3; id++)
        {
            for (int i = 0; i < 3; i++)
            {
                byte tone = (byte)((id * 3) + i + 1);
                _folder.Image($"data/p{id}/p{id}_{i + 1:0000}.png", 20, 20, (x, y) => new SKColor((byte)(x * tone), (byte)(y * 9), (byte)(tone * 20)));
            }
        }
    }

    private string Data => Path.Combine(_folder.Path, "data");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Options_have_documented_defaults_and_copy_with_with()
    {
        var options = new VerificationPairsOptions { ImageFolder = "faces" };
        var copy = options with { Seed = 3, PairCount = 10 };

        Assert.Null(options.PairsFile);
        Assert.Null(options.PairCount);
        Assert.Equal(0, options.Seed);
        Assert.Equal(BadImagePolicy.Fail, options.DataChecks.OnBadImage);
        Assert.Equal(("faces", 3, 10), (copy.ImageFolder, copy.Seed, copy.PairCount));
        Assert.Null(options.PairCount);
        Assert.NotEqual(options, copy);
        Assert.Equal(copy, options with { Seed = 3, PairCount = 10 });
    }

    [Fact]
    public void Without_a_pairs_file_a_balanced_seeded_set_is_drawn_as_large_as_the_folder_allows()
    {
        var options = new VerificationPairsOptions { ImageFolder = Data, Seed = 5 };

        var pairs = VerificationPairs.Load(options);

        // min(9 same, 27 different) = 9 of each kind.
        Assert.Equal(18, pairs.Pairs.Count);
        Assert.Equal(9, pairs.Pairs.Count(p => p.Same));
        Assert.All(pairs.Pairs, p => Assert.Equal(p.Same, Path.GetDirectoryName(p.PathA) == Path.GetDirectoryName(p.PathB)));
        Assert.All(pairs.Pairs, p => Assert.True(File.Exists(p.PathA) && File.Exists(p.PathB)));
        Assert.Equal(18, pairs.Pairs.Select(p => (p.PathA, p.PathB)).Distinct().Count());
        Assert.All(pairs.Pairs, p => Assert.Equal((null, 0), (p.Fold, p.LineNumber)));
        Assert.False(pairs.HasFolds);
        Assert.Equal(0, pairs.DroppedPairs);
        Assert.Equal("18 balanced pairs drawn from the folder (seed 5)", pairs.Source);
        Assert.Equal(9, pairs.Report.ImagesUsed);

        Assert.Equal(pairs.Pairs, VerificationPairs.Load(options).Pairs);
        Assert.NotEqual(pairs.Pairs, VerificationPairs.Load(options with { Seed = 6 }).Pairs);
        Assert.Equal(4, VerificationPairs.Load(options with { PairCount = 4 }).Pairs.Count);
        Assert.ThrowsAny<ArgumentException>(() => VerificationPairs.Load(options with { PairCount = 40 }));
    }

    [Fact]
    public void A_pairs_file_keeps_its_folds_and_drops_pairs_of_skipped_images_only_under_skip()
    {
        string empty = _folder.Bytes("data/p2/p2_0009.png", []);
        string file = Path.Combine(_folder.Path, "pairs.txt");
        File.WriteAllLines(file, ["2\t1", "p0\t1\t2", "p1\t1\tp2\t9", "p1\t2\t3", "p0\t3\tp2\t1"]);
        var options = new VerificationPairsOptions { ImageFolder = Data, PairsFile = file };

        var error = Assert.Throws<FaceDataException>(() => VerificationPairs.Load(options));
        Assert.Equal(empty, error.Path);
        Assert.NotNull(error.Report);

        var pairs = VerificationPairs.Load(options with { DataChecks = new FaceFolderLoadOptions { OnBadImage = BadImagePolicy.Skip } });
        Assert.True(pairs.HasFolds);
        Assert.Equal(1, pairs.DroppedPairs);
        Assert.Equal([2, 4, 5], pairs.Pairs.Select(p => p.LineNumber));
        Assert.Equal([0, 1, 1], pairs.Pairs.Select(p => p.Fold ?? -1));
        Assert.Equal(file, pairs.Source);
        Assert.Contains(pairs.Report.Issues, issue => issue.Path == empty);
    }

    [Fact]
    public void Missing_folders_and_files_are_named()
    {
        string missing = Path.Combine(_folder.Path, "nope");
        Assert.Contains(missing, Assert.Throws<FaceDataException>(() => VerificationPairs.Load(new VerificationPairsOptions { ImageFolder = missing })).Message);
        Assert.Contains("pairs.txt", Assert.Throws<FaceDataException>(() => VerificationPairs.Load(
            new VerificationPairsOptions { ImageFolder = Data, PairsFile = Path.Combine(_folder.Path, "pairs.txt") })).Message);
    }
}
