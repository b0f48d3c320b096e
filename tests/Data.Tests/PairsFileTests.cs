using KappaFace.MLNet.Tests.Shared;
using KappaFace.MLNet.Data;
using KappaFace.MLNet.Transforms;
using KappaFace.MLNet.Transforms.Evaluation;
using Microsoft.ML;
using Microsoft.ML.Data;
using SkiaSharp;
using Xunit;

namespace KappaFace.MLNet.Data.Tests;

public class PairsFileTests
{
    [Fact]
    public void Path_format_resolves_relative_and_absolute_paths_and_tab_separated_names_with_spaces()
    {
        using var temp = new TempFolder();
        string a1 = Image(temp, "alice/a1.png");
        Image(temp, "alice/a2.png");
        Image(temp, "bob smith/b 1.png");
        string pairs = Write(temp, "pairs.txt",
            "alice/a1.png alice/a2.png 1",
            string.Empty,
            $"{a1}  alice/a2.png   0",
            "alice/a1.png\tbob smith/b 1.png\t0");

        FacePairsFile file = PairsFile.Read(pairs, temp.Path);

        Assert.Equal(PairsFileFormat.Paths, file.Format);
        Assert.False(file.HasFolds);
        Assert.Null(file.FoldCount);
        Assert.Equal([1, 3, 4], file.Pairs.Select(p => p.LineNumber));
        Assert.Equal([true, false, false], file.Pairs.Select(p => p.Same));
        Assert.Equal(a1, file.Pairs[0].PathA);
        Assert.Equal(Path.Combine(temp.Path, "alice", "a2.png"), file.Pairs[1].PathB);
        Assert.Equal(Path.Combine(temp.Path, "bob smith", "b 1.png"), file.Pairs[2].PathB);
        Assert.All(file.Pairs, p => Assert.Null(p.Fold));
    }

    [Fact]
    public void Lfw_format_finds_the_extension_on_disk()
    {
        using var temp = new TempFolder();
        Image(temp, "Ann_Lee/Ann_Lee_0001.jpg");
        Image(temp, "Ann_Lee/Ann_Lee_0002.jpg");
        Image(temp, "Bo/Bo_0001.png");
        Image(temp, "Bo/Bo_0012.PNG");
        Image(temp, "Cy/Cy_3.bmp");
        string pairs = Write(temp, "pairs.txt", "Ann_Lee\t1\t2", "Bo 1 12", "Ann_Lee\t2\tBo\t12", "Cy\t3\tAnn_Lee\t1");

        FacePairsFile file = PairsFile.Read(pairs, temp.Path);

        Assert.Equal(PairsFileFormat.Lfw, file.Format);
        Assert.False(file.HasFolds);
        Assert.Equal([true, true, false, false], file.Pairs.Select(p => p.Same));
        string P(string relative) => Path.Combine(temp.Path, relative);
        Assert.Equal((P("Ann_Lee/Ann_Lee_0001.jpg"), P("Ann_Lee/Ann_Lee_0002.jpg")), (file.Pairs[0].PathA, file.Pairs[0].PathB));
        Assert.Equal((P("Bo/Bo_0001.png"), P("Bo/Bo_0012.PNG")), (file.Pairs[1].PathA, file.Pairs[1].PathB));
        Assert.Equal((P("Ann_Lee/Ann_Lee_0002.jpg"), P("Bo/Bo_0012.PNG")), (file.Pairs[2].PathA, file.Pairs[2].PathB));
        // An index without zero padding is found too.
        Assert.Equal(P("Cy/Cy_3.bmp"), file.Pairs[3].PathA);
    }

    [Fact]
    public void Lfw_header_declares_folds_that_become_a_column()
    {
        using var temp = new TempFolder();
        foreach (string name in new[] { "A", "B", "C", "D" })
        {
            Image(temp, $"{name}/{name}_0001.jpg");
            Image(temp, $"{name}/{name}_0002.jpg");
        }

        string pairs = Write(temp, "pairs.txt", "2\t1", "A\t1\t2", "A\t1\tB\t2", "C 1 2", "C 2 D 1");
        var ml = new MLContext(seed: 1);

        FacePairsFile file = PairsFile.Read(pairs, temp.Path);
        IDataView view = ml.FaceRecognition().LoadPairs(file);

        Assert.Equal((2, 1), (file.FoldCount, file.PairsPerFoldAndLabel));
        Assert.Equal([0, 0, 1, 1], file.Pairs.Select(p => p.Fold!.Value));
        Assert.Equal([2, 3, 4, 5], file.Pairs.Select(p => p.LineNumber));
        Assert.Equal(
            [FaceColumnNames.ImagePathA, FaceColumnNames.ImagePathB, FaceColumnNames.Label, FaceColumnNames.Fold],
            view.Schema.Select(c => c.Name));
        Assert.Equal(BooleanDataViewType.Instance, view.Schema[FaceColumnNames.Label].Type);
        Assert.Equal(NumberDataViewType.Int32, view.Schema[FaceColumnNames.Fold].Type);
        Assert.Equal([0, 0, 1, 1], view.GetColumn<int>(FaceColumnNames.Fold));
        Assert.Equal([true, false, true, false], view.GetColumn<bool>(FaceColumnNames.Label));
        Assert.Equal(file.Pairs.Select(p => p.PathB), view.GetColumn<string>(FaceColumnNames.ImagePathB));
    }

    [SkippableFact]
    public void Celeba_dev_pairs_give_7_folds_of_600_pairs_with_existing_paths()
    {
        string? celeba = SharedData.DataSet("celeba-dev");
        Skip.If(celeba is null, SharedData.MissingReason("celeba-dev"));

        FacePairsFile file = PairsFile.Read(Path.Combine(celeba, "pairs.txt"), celeba);

        Assert.Equal(PairsFileFormat.Lfw, file.Format);
        Assert.Equal((7, 300), (file.FoldCount, file.PairsPerFoldAndLabel));
        Assert.Equal(4200, file.Pairs.Count);
        Assert.All(file.Pairs, p => Assert.True(File.Exists(p.PathA) && File.Exists(p.PathB), $"line {p.LineNumber}: missing image"));
        // Images are idNNNNN/idNNNNN_KKKK.jpg: the identity folder name and a 4-digit index.
        Assert.All(file.Pairs, p => Assert.Matches(@"^id\d{5}_\d{4}\.jpg$", Path.GetFileName(p.PathA)));
        Assert.All(file.Pairs, p => Assert.StartsWith(Path.GetFileName(Path.GetDirectoryName(p.PathA))! + "_", Path.GetFileName(p.PathA), StringComparison.Ordinal));
        Assert.Equal("id07201_0001.jpg", Path.GetFileName(file.Pairs[0].PathA));
        Assert.Equal("id07201_0003.jpg", Path.GetFileName(file.Pairs[0].PathB));
        var folds = file.Pairs.GroupBy(p => p.Fold!.Value).OrderBy(g => g.Key).ToList();
        Assert.Equal(Enumerable.Range(0, 7), folds.Select(g => g.Key));
        Assert.All(folds, g => Assert.Equal((600, 300), (g.Count(), g.Count(p => p.Same))));
        Assert.All(file.Pairs.Where(p => p.Same), p => Assert.Equal(Path.GetDirectoryName(p.PathA), Path.GetDirectoryName(p.PathB)));
        Assert.All(file.Pairs.Where(p => !p.Same), p => Assert.NotEqual(Path.GetDirectoryName(p.PathA), Path.GetDirectoryName(p.PathB)));
        // The README says the folds do not share identities.
        var identitiesByFold = folds.Select(g => g.SelectMany(p => new[] { Path.GetDirectoryName(p.PathA), Path.GetDirectoryName(p.PathB) }).ToHashSet()).ToList();
        for (int f = 0; f < 7; f++)
        {
            for (int g = f + 1; g < 7; g++)
            {
                Assert.Empty(identitiesByFold[f].Intersect(identitiesByFold[g]));
            }
        }

        // The fold column feeds Evaluate: one accuracy per set of the file.
        var ml = new MLContext(seed: 1);
        IDataView pairs = ml.FaceRecognition().LoadPairs(file);
        var rng = new Random(2);
        float[] scores = [.. file.Pairs.Select(p => (float)((p.Same ? 0.2 : 0) + rng.NextDouble()))];
        VerificationMetrics m = ml.FaceRecognition().Evaluate(
            ml.Data.LoadFromEnumerable(file.Pairs.Select((p, i) => new ScoredFoldRow { Label = p.Same, Score = scores[i], Fold = p.Fold!.Value }).ToList()),
            foldColumnName: FaceColumnNames.Fold);
        Assert.Equal(7, m.FoldAccuracies.Count);
        Assert.Equal(4200, pairs.GetColumn<int>(FaceColumnNames.Fold).Count());
    }

    [Theory]
    [InlineData(new[] { "a/1.png a/2.png 1", "a/1.png a/2.png" }, 2, "expected 3 fields (PATH_A PATH_B LABEL), found 2")]
    [InlineData(new[] { "a/1.png a/2.png 1", "a/1.png b/1.png 1 extra" }, 2, "expected 3 fields (PATH_A PATH_B LABEL), found 4")]
    [InlineData(new[] { "a/1.png a/2.png 1", "", "a/1.png b/1.png yes" }, 3, "label 'yes' must be 1 (same identity) or 0 (different)")]
    [InlineData(new[] { "a/1.png a/2.png 2" }, 1, "label '2' must be 1")]
    [InlineData(new[] { "a/1.png a/2.png 1", "a/1.png a/9.png 1" }, 2, "image 'a/9.png' not found")]
    [InlineData(new[] { "a 1 2", "a 1 b" }, 2, "image index 'b' is not a positive integer")]
    [InlineData(new[] { "a 1 2", "a 0 2" }, 2, "image index '0' is not a positive integer")]
    [InlineData(new[] { "a 1 2", "a 1 b 1 c" }, 2, "expected 3 fields (name i j) or 4 fields (name1 i name2 j) in LFW format, found 5")]
    [InlineData(new[] { "a 1 2", "a 1 2 3 4 5 6" }, 2, "found 7")]
    [InlineData(new[] { "a 1 2", "a 1 z 1" }, 2, "identity folder 'z' not found")]
    [InlineData(new[] { "a 1 2", "a 1 b 7" }, 2, "image 7 of 'b' not found (looked for b/b_0007.<bmp|jpeg|jpg|png|webp>")]
    [InlineData(new[] { "a 1 3" }, 1, "image 3 of 'a' is ambiguous: a_0003.jpg, a_0003.png")]
    [InlineData(new[] { "2\t1", "a 1 2", "a 1 b 1", "b 1 2" }, 1, "the header declares 2 folds of 1 same and 1 different pairs (4 pairs), but the file holds 3 pairs")]
    [InlineData(new[] { "1\t1", "a 1 2", "b 1 2" }, 2, "fold 0 (lines 2-3) holds 2 same-identity pairs")]
    [InlineData(new[] { "0\t300", "a 1 2" }, 1, "fold count '0' is not a positive integer")]
    public void Bad_lines_name_the_line(string[] lines, int line, string reason)
    {
        using var temp = new TempFolder();
        Image(temp, "a/1.png");
        Image(temp, "a/2.png");
        Image(temp, "b/1.png");
        Image(temp, "a/a_0001.png");
        Image(temp, "a/a_0002.png");
        Image(temp, "a/a_0003.jpg");
        Image(temp, "a/a_0003.png");
        Image(temp, "b/b_0001.png");
        Image(temp, "b/b_0002.png");
        string pairs = Write(temp, "pairs.txt", lines);

        var error = Assert.Throws<FaceDataException>(() => PairsFile.Read(pairs, temp.Path));

        Assert.Equal(pairs, error.Path);
        Assert.StartsWith($"line {line}: ", error.Reason, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_or_empty_files_and_folders_are_reported()
    {
        using var temp = new TempFolder();
        string empty = Write(temp, "empty.txt", string.Empty, "   ");

        Assert.Contains("holds no pairs", Assert.Throws<FaceDataException>(() => PairsFile.Read(empty, temp.Path)).Message, StringComparison.Ordinal);
        Assert.Contains("pairs file not found", Assert.Throws<FaceDataException>(() => PairsFile.Read(Path.Combine(temp.Path, "none.txt"), temp.Path)).Message, StringComparison.Ordinal);
        Assert.Contains("image folder not found", Assert.Throws<FaceDataException>(() => PairsFile.Read(empty, Path.Combine(temp.Path, "nowhere"))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Path_format_pairs_load_without_a_fold_column()
    {
        using var temp = new TempFolder();
        Image(temp, "a/1.png");
        Image(temp, "b/1.png");
        string pairs = Write(temp, "pairs.txt", "a/1.png b/1.png 0");
        var ml = new MLContext(seed: 1);

        IDataView view = ml.FaceRecognition().LoadPairs(pairs, temp.Path);

        Assert.Equal([FaceColumnNames.ImagePathA, FaceColumnNames.ImagePathB, FaceColumnNames.Label], view.Schema.Select(c => c.Name));
        Assert.Equal([false], view.GetColumn<bool>(FaceColumnNames.Label));
    }

    private static string Image(TempFolder temp, string relative) =>
        temp.Image(relative, 4, 4, (x, y) => new SKColor((byte)(x * 40), (byte)(y * 40), 7));

    private static string Write(TempFolder temp, string name, params string[] lines)
    {
        string path = Path.Combine(temp.Path, name);
        File.WriteAllLines(path, lines);
        return path;
    }

    public sealed class ScoredFoldRow
    {
        public bool Label { get; set; }

        public float Score { get; set; }

        public int Fold { get; set; }
    }
}
