using KappaFace.MLNet.Data.Alignment;
using KappaFace.MLNet.Data.Detection;
using KappaFace.MLNet.Data.Tests.Detection;
using KappaFace.MLNet.Tests.Shared;
using SkiaSharp;
using Xunit;

namespace KappaFace.MLNet.Data.Tests.Alignment;

/// <summary>
/// <see cref="AlignedFolderCache"/>: aligned once, reused while detector, settings and photos are unchanged,
/// aligned again when any changes; never overwrites a folder it did not make; leaves no temporary folder.
/// </summary>
public class AlignedFolderCacheTests
{
    private static readonly FaceDetectorOptions Cpu = new() { ExecutionProvider = "cpu" };
    private static readonly FolderAlignmentOptions Options = new() { Size = 32, OnNoFace = NoFacePolicy.Skip };

    [Fact]
    public void A_second_run_reuses_the_folder_with_its_report_and_detects_nothing()
    {
        using var folder = FolderAlignerTests.Photos("ann/ann_0001.png ann/ann_0002.png 1\n");
        var (detector, data, target) = Paths(folder);

        var first = AlignedFolderCache.Prepare(detector, Cpu, data, target, Options);
        var crop = Path.Combine(target, "ann/ann_0001.png");
        var written = File.GetLastWriteTimeUtc(crop);
        var second = AlignedFolderCache.Prepare(detector, Cpu, data, target, Options);

        Assert.False(first.Reused);
        Assert.True(second.Reused);
        Assert.Equal(written, File.GetLastWriteTimeUtc(crop));
        Assert.Equal(first.Report.Skipped, second.Report.Skipped);
        Assert.Equal((first.Report.Images, first.Report.Aligned, first.Report.NoFace, first.Report.Crops),
            (second.Report.Images, second.Report.Aligned, second.Report.NoFace, second.Report.Crops));
        Assert.Equal(first.Report.Multiple, second.Report.Multiple);
        Assert.Equal(first.Report.PairsFile, second.Report.PairsFile);
        Assert.Equal(["aligned"], Directory.EnumerateFileSystemEntries(Path.GetDirectoryName(target)!).Select(Path.GetFileName));
    }

    [Fact]
    public void A_changed_photo_detector_or_setting_aligns_again()
    {
        using var folder = FolderAlignerTests.Photos("ann/ann_0001.png ann/ann_0002.png 1\n");
        var (detector, data, target) = Paths(folder);
        AlignedFolderCache.Prepare(detector, Cpu, data, target, Options);

        // A photo gains a face: the old folder (bob skipped) must not be reused.
        string bob = Path.Combine(data, "bob/bob_0001.png");
        File.WriteAllBytes(bob, TempFolder.Encode(224, 224, (x, y) => FolderAlignerTests.Blue(x, y, 120, 120) ? new SKColor(0, 0, 255) : SKColors.Black, SKEncodedImageFormat.Png));
        File.SetLastWriteTimeUtc(bob, DateTime.UtcNow.AddMinutes(1));
        var changedPhoto = AlignedFolderCache.Prepare(detector, Cpu, data, target, Options);
        Assert.False(changedPhoto.Reused);
        Assert.Equal(3, changedPhoto.Report.Aligned);
        Assert.True(File.Exists(Path.Combine(target, "bob/bob_0001.png")));

        Assert.False(AlignedFolderCache.Prepare(detector, new FaceDetectorOptions { ExecutionProvider = "cpu", MinScore = 0.6f }, data, target, Options).Reused);
        Assert.False(AlignedFolderCache.Prepare(detector, Cpu, data, target, Options with { Size = 48 }).Reused);
        using (var crop = SKBitmap.Decode(Path.Combine(target, "bob/bob_0001.png")))
        {
            Assert.Equal(48, crop.Width);
        }

        File.WriteAllBytes(detector, TinyRetinaFace.BlueDotDetector([-3f, -1f, 3f, -1f, 0f, 1f, -2f, 3f, 2f, 3f]));
        Assert.False(AlignedFolderCache.Prepare(detector, Cpu, data, target, Options with { Size = 48 }).Reused);
        Assert.True(AlignedFolderCache.Prepare(detector, Cpu, data, target, Options with { Size = 48 }).Reused);
    }

    [Fact]
    public void A_removed_photo_does_not_leave_its_old_crop_behind()
    {
        using var folder = FolderAlignerTests.Photos("ann/ann_0001.png ann/ann_0002.png 1\n");
        var (detector, data, target) = Paths(folder);
        AlignedFolderCache.Prepare(detector, Cpu, data, target, Options);
        File.Delete(Path.Combine(data, "ann/ann_0002.png"));
        File.Delete(Path.Combine(data, "pairs.txt"));

        var again = AlignedFolderCache.Prepare(detector, Cpu, data, target, Options);

        Assert.False(again.Reused);
        Assert.False(File.Exists(Path.Combine(target, "ann/ann_0002.png")));
        Assert.False(File.Exists(Path.Combine(target, "pairs.txt")));
    }

    [Fact]
    public void A_folder_it_did_not_make_is_never_overwritten()
    {
        using var folder = FolderAlignerTests.Photos("ann/ann_0001.png ann/ann_0002.png 1\n");
        var (detector, data, target) = Paths(folder);
        string mine = folder.Bytes("cache/aligned/precious.txt", [1, 2, 3]);

        var e = Assert.Throws<IOException>(() => AlignedFolderCache.Prepare(detector, Cpu, data, target, Options));

        Assert.Contains(AlignedFolderCache.ManifestFile, e.Message, StringComparison.Ordinal);
        Assert.Equal([1, 2, 3], File.ReadAllBytes(mine));
        Assert.Throws<ArgumentException>(() => AlignedFolderCache.Prepare(detector, Cpu, data, Path.Combine(data, "aligned"), Options));
    }

    [Fact]
    public void A_failed_alignment_keeps_the_previous_folder_and_leaves_no_temporary_one()
    {
        using var folder = FolderAlignerTests.Photos("ann/ann_0001.png ann/ann_0002.png 1\n");
        var (detector, data, target) = Paths(folder);
        AlignedFolderCache.Prepare(detector, Cpu, data, target, Options);
        File.SetLastWriteTimeUtc(Path.Combine(data, "ann/ann_0002.png"), DateTime.UtcNow.AddMinutes(1));

        // Under the Fail policy bob's photo stops the new run.
        Assert.Throws<NoFaceException>(() => AlignedFolderCache.Prepare(detector, Cpu, data, target, Options with { OnNoFace = NoFacePolicy.Fail }));

        Assert.True(File.Exists(Path.Combine(target, AlignedFolderCache.ManifestFile)));
        Assert.True(File.Exists(Path.Combine(target, "ann/ann_0002.png")));
        Assert.Equal(["aligned"], Directory.EnumerateFileSystemEntries(Path.GetDirectoryName(target)!).Select(Path.GetFileName));
    }

    private static (string Detector, string Data, string Target) Paths(TempFolder folder) =>
        (folder.Bytes("det.onnx", TinyRetinaFace.BlueDotDetector()), Path.Combine(folder.Path, "photos"), Path.Combine(folder.Path, "cache", "aligned"));
}
