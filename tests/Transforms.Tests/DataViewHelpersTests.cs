using KappaFace.MLNet.Tests.Shared;
using KappaFace.MLNet.Data;
using Microsoft.ML;
using Microsoft.ML.Data;
using SkiaSharp;
using Xunit;

namespace KappaFace.MLNet.Transforms.Tests;

public class DataViewHelpersTests
{
    [Fact]
    public void The_catalog_hangs_off_the_MLContext()
    {
        var ml = new MLContext(seed: 3);

        FaceRecognitionCatalog catalog = ml.FaceRecognition();

        Assert.Same(ml, catalog.Context);
        Assert.Same(ml, catalog.Trainers.Context);
    }

    [Fact]
    public void An_image_folder_becomes_paths_key_labels_with_names_and_identities()
    {
        using var temp = new TempFolder();
        string[] files = ["zoe/1.png", "zoe/2.jpg", "adam/x.png", "mia/a.png", "mia/b.png", "mia/c.png"];
        foreach (string file in files)
        {
            temp.Image(file, 3, 3, (x, y) => SKColors.Gray);
        }

        File.WriteAllText(Path.Combine(temp.Path, "zoe", "notes.txt"), "not an image");
        var ml = new MLContext(seed: 1);

        IDataView view = ml.FaceRecognition().LoadImageFolder(temp.Path);

        Assert.Equal([FaceColumnNames.ImagePath, FaceColumnNames.Label, FaceColumnNames.Identity], view.Schema.Select(c => c.Name));
        var key = Assert.IsType<KeyDataViewType>(view.Schema[FaceColumnNames.Label].Type);
        Assert.Equal(3UL, key.Count);
        VBuffer<ReadOnlyMemory<char>> names = default;
        view.Schema[FaceColumnNames.Label].GetKeyValues(ref names);
        Assert.Equal(["adam", "mia", "zoe"], names.DenseValues().Select(n => n.ToString()));
        // Identities and images in ordinal order; keys count from 1.
        Assert.Equal([1u, 2u, 2u, 2u, 3u, 3u], view.GetColumn<uint>(FaceColumnNames.Label));
        Assert.Equal(["adam", "mia", "mia", "mia", "zoe", "zoe"], view.GetColumn<string>(FaceColumnNames.Identity));
        Assert.Equal(
            new[] { "adam/x.png", "mia/a.png", "mia/b.png", "mia/c.png", "zoe/1.png", "zoe/2.jpg" }.Select(f => Path.Combine(temp.Path, f)),
            view.GetColumn<string>(FaceColumnNames.ImagePath));
    }

    [SkippableFact]
    public void Celeba_dev_loads_as_2083_rows_over_175_keys_and_feeds_LoadImages()
    {
        string? celeba = SharedData.DataSet("celeba-dev");
        Skip.If(celeba is null, SharedData.MissingReason("celeba-dev"));
        var ml = new MLContext(seed: 1);

        IDataView view = ml.FaceRecognition().LoadImageFolder(celeba);

        Assert.Equal(175UL, Assert.IsType<KeyDataViewType>(view.Schema[FaceColumnNames.Label].Type).Count);
        Assert.Equal(2083, view.GetColumn<uint>(FaceColumnNames.Label).Count());
        IDataView images = ml.Transforms.LoadImages(FaceColumnNames.Image, null, FaceColumnNames.ImagePath).Fit(view).Transform(ml.Data.TakeRows(view, 2));
        Assert.Equal(2, images.GetColumn<MLImage>(FaceColumnNames.Image).Count(i => i.Width == 112 && i.Height == 112));
    }

    [Fact]
    public void Generated_pairs_are_balanced_distinct_labelled_by_identity_and_seeded()
    {
        using var temp = new TempFolder();
        for (int identity = 0; identity < 6; identity++)
        {
            for (int image = 0; image < 4; image++)
            {
                temp.Image($"p{identity}/{image}.png", 3, 3, (x, y) => SKColors.Gray);
            }
        }

        var ml = new MLContext(seed: 1);

        IDataView view = ml.FaceRecognition().GeneratePairs(temp.Path, pairCount: 40, seed: 5);

        Assert.Equal([FaceColumnNames.ImagePathA, FaceColumnNames.ImagePathB, FaceColumnNames.Label], view.Schema.Select(c => c.Name));
        string[] a = [.. view.GetColumn<string>(FaceColumnNames.ImagePathA)];
        string[] b = [.. view.GetColumn<string>(FaceColumnNames.ImagePathB)];
        bool[] same = [.. view.GetColumn<bool>(FaceColumnNames.Label)];
        Assert.Equal(40, a.Length);
        Assert.Equal(20, same.Count(s => s));
        for (int i = 0; i < a.Length; i++)
        {
            Assert.NotEqual(a[i], b[i]);
            Assert.Equal(Path.GetDirectoryName(a[i]) == Path.GetDirectoryName(b[i]), same[i]);
        }

        Assert.Equal(40, a.Zip(b).Select(p => (p.First, p.Second)).Distinct().Count());
        IDataView again = ml.FaceRecognition().GeneratePairs(temp.Path, pairCount: 40, seed: 5);
        Assert.Equal(a, again.GetColumn<string>(FaceColumnNames.ImagePathA));
        IDataView other = ml.FaceRecognition().GeneratePairs(temp.Path, pairCount: 40, seed: 6);
        Assert.NotEqual(a, other.GetColumn<string>(FaceColumnNames.ImagePathA));
        // 6 identities of 4 images allow 36 same pairs: 80 pairs need 40.
        Assert.Throws<ArgumentException>(() => ml.FaceRecognition().GeneratePairs(temp.Path, pairCount: 80));
    }
}
