using KappaFace.MLNet.Tests.Shared;
using KappaFace.MLNet.Data;
using SkiaSharp;
using Xunit;

namespace KappaFace.MLNet.Data.Tests;

public class ImageFolderTests
{
    private static SKColor Grey(int x, int y) => new((byte)(x * 10), (byte)(y * 10), 128);

    [Fact]
    public void Scan_sorts_identities_and_images_ordinally_and_reports_ignored_files()
    {
        using var temp = new TempFolder();
        // Ordinal order: 'B' (66) < '_x' (95) < 'a' (97); a culture-aware sort would differ.
        temp.Image("a/2.png", 4, 4, Grey);
        temp.Image("a/10.PNG", 4, 4, Grey);
        temp.Image("B/img.JpEg", 4, 4, Grey, SKEncodedImageFormat.Jpeg);
        temp.Image("_x/one.webp", 4, 4, Grey, SKEncodedImageFormat.Webp);
        temp.Bytes("_x/two.bmp", TempFolder.Bmp(4, 4, Grey));
        string notes = temp.Bytes("a/notes.txt", [1, 2, 3]);
        string topLevel = temp.Bytes("pairs.txt", [1]);
        string nested = temp.Folder("a/nested");
        string hidden = temp.Folder(".cache");

        ImageFolderScan scan = ImageFolder.Scan(temp.Path);

        Assert.Equal(["B", "_x", "a"], scan.Identities.Select(i => i.Name));
        Assert.Equal(["10.PNG", "2.png"], scan.Identities[2].Images.Select(Path.GetFileName));
        Assert.Equal(["one.webp", "two.bmp"], scan.Identities[1].Images.Select(Path.GetFileName));
        Assert.Equal(5, scan.ImageCount);
        Assert.Equal(new[] { hidden, nested, notes, topLevel }.Order(StringComparer.Ordinal), scan.IgnoredPaths);
        Assert.All(scan.Identities.SelectMany(i => i.Images), path => Assert.True(Path.IsPathFullyQualified(path)));
    }

    [Fact]
    public void Scan_names_an_identity_folder_without_images()
    {
        using var temp = new TempFolder();
        temp.Image("alice/1.png", 4, 4, Grey);
        string empty = temp.Folder("bob");
        temp.Bytes("bob/readme.md", [1]);

        var error = Assert.Throws<FaceDataException>(() => ImageFolder.Scan(temp.Path));

        Assert.Equal(empty, error.Path);
        Assert.Contains("'bob'", error.Message, StringComparison.Ordinal);
        Assert.Contains("no images", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Scan_rejects_a_missing_folder()
    {
        string missing = Path.Combine(Path.GetTempPath(), "kappaface-missing-" + Guid.NewGuid().ToString("N"));

        var error = Assert.Throws<FaceDataException>(() => ImageFolder.Scan(missing));

        Assert.Equal(missing, error.Path);
        Assert.Contains("not found", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Scan_rejects_a_folder_without_identity_folders()
    {
        using var temp = new TempFolder();
        temp.Image("loose.png", 4, 4, Grey);

        var error = Assert.Throws<FaceDataException>(() => ImageFolder.Scan(temp.Path));

        Assert.Equal(temp.Path, error.Path);
        Assert.Contains("no identity folders", error.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Scan_of_celeba_dev_finds_175_identities_and_2083_images()
    {
        string? celeba = SharedData.DataSet("celeba-dev");
        Skip.If(celeba is null, SharedData.MissingReason("celeba-dev"));

        ImageFolderScan scan = ImageFolder.Scan(celeba);

        Assert.Equal(175, scan.Identities.Count);
        Assert.Equal(2083, scan.ImageCount);
        Assert.Equal("id07201", scan.Identities[0].Name);
        Assert.All(scan.Identities, identity => Assert.InRange(identity.Images.Count, 9, 12));
        // The top-level metadata files are reported, not taken for identities.
        Assert.Contains(scan.IgnoredPaths, path => Path.GetFileName(path) == "pairs.txt");
        Assert.DoesNotContain(scan.IgnoredPaths, path => path.EndsWith(".jpg", StringComparison.Ordinal));
    }
}
