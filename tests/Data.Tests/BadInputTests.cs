using KappaFace.MLNet.Transforms;
using KappaFace.MLNet.Data;
using Microsoft.ML;
using Microsoft.ML.Data;
using Xunit;

namespace KappaFace.MLNet.Data.Tests;

/// <summary>The bad-input policy on a folder with one of each kind of broken file (<see cref="BrokenFaceFolder"/>).</summary>
public class BadInputTests
{
    private static readonly FaceFolderLoadOptions SkipBad = new() { OnBadImage = BadImagePolicy.Skip };

    [Fact]
    public void Skip_reports_every_broken_input_with_its_kind_and_path()
    {
        using var folder = new BrokenFaceFolder();

        FaceImageSet.LoadFolder(folder.Root, 16, SkipBad, out FaceDataReport report);

        // Counted from what the folder was built with, kind by kind.
        foreach (FaceDataIssueKind kind in Enum.GetValues<FaceDataIssueKind>())
        {
            var expected = folder.Expected.Where(e => e.Kind == kind).Select(e => e.Path).Order(StringComparer.Ordinal).ToList();
            var actual = report.Of(kind).Select(i => i.Path).Order(StringComparer.Ordinal).ToList();
            Assert.True(expected.SequenceEqual(actual), $"{kind}: expected [{string.Join(", ", expected)}], got [{string.Join(", ", actual)}]");
            Assert.Equal(expected.Count, report.Count(kind));
        }

        Assert.Equal(folder.Expected.Count, report.Issues.Count);
        Assert.Equal(folder.ImageFiles, report.ImagesFound);
        Assert.Equal(7, report.IdentitiesFound);
        Assert.Equal(folder.Usable.Count, report.ImagesUsed);
        Assert.Equal(folder.Usable.Select(u => u.Identity).Distinct().Count(), report.IdentitiesUsed);
    }

    [Fact]
    public void Every_summary_line_names_its_file_and_a_reason()
    {
        using var folder = new BrokenFaceFolder();

        FaceImageSet.LoadFolder(folder.Root, 16, SkipBad, out FaceDataReport report);
        string summary = report.Summary(maxDetailLines: 1000);

        Assert.Contains(folder.Root, summary.Split('\n')[0], StringComparison.Ordinal);
        Assert.Contains("on bad image: skip", summary, StringComparison.Ordinal);
        foreach (FaceDataIssue issue in report.Issues)
        {
            Assert.False(string.IsNullOrWhiteSpace(issue.Reason));
            string relative = Path.GetRelativePath(folder.Root, issue.Path);
            string line = $"{FaceDataIssueKinds.NameOf(issue.Kind)}";
            Assert.Contains(summary.Split('\n'), l => l.Contains(line, StringComparison.Ordinal) && l.Contains(relative + ": " + issue.Reason, StringComparison.Ordinal));
        }

        // The count lines, by action.
        Assert.Contains($"{report.Count(FaceDataIssueKind.ZeroByte)} zero-byte", summary, StringComparison.Ordinal);
        Assert.Contains("converted:", summary, StringComparison.Ordinal);
        Assert.Contains($"using {report.ImagesUsed} images of {report.IdentitiesUsed} identities", summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Summary_is_capped_and_says_how_many_lines_were_left_out()
    {
        using var folder = new BrokenFaceFolder(withNonUtf8Name: false);
        FaceImageSet.LoadFolder(folder.Root, 16, SkipBad, out FaceDataReport report);

        string[] lines = report.Summary(maxDetailLines: 3).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Contains(lines, l => l.Contains($"and {report.Issues.Count - 3} more", StringComparison.Ordinal));
        Assert.Equal(3, lines.Count(l => report.Issues.Any(i => l.Contains(Path.GetRelativePath(folder.Root, i.Path) + ": ", StringComparison.Ordinal))));
    }

    [Fact]
    public void Skip_keeps_exactly_the_usable_images_with_dense_labels_in_ordinal_identity_order()
    {
        using var folder = new BrokenFaceFolder();

        FaceImageSet set = FaceImageSet.LoadFolder(folder.Root, 16, SkipBad, out _);

        var usable = folder.Usable;
        Assert.Equal(usable.Select(u => u.Path), set.Sources);
        string[] identities = [.. usable.Select(u => u.Identity).Distinct()];
        Assert.Equal(identities, set.ClassNames);
        Assert.Equal(usable.Select(u => Array.IndexOf(identities, u.Identity)), set.Labels);
        Assert.Equal((long)usable.Count * 3 * 16 * 16, set.Pixels.Length);
        for (int i = 0; i < set.Count; i++)
        {
            // Each image's pixels are its own file's, whatever was removed before it.
            Assert.True(FaceImageFile.Decode(set.Sources[i], 16).AsSpan().SequenceEqual(set.GetPixels(i)), $"pixels of {set.Sources[i]}");
        }
    }

    [Fact]
    public void Converted_images_hold_the_naively_expected_rgb()
    {
        using var folder = new BrokenFaceFolder(withNonUtf8Name: false);
        FaceImageSet set = FaceImageSet.LoadFolder(folder.Root, BrokenFaceFolder.Side, SkipBad, out FaceDataReport report);

        int Index(string relative) => set.Sources.ToList().IndexOf(folder.PathOf(relative));

        int g = BrokenFaceFolder.GreyLevel;
        AssertUniform(set.GetPixels(Index("bob/grey.png")), (g, g, g), tolerance: 0);
        // 16 bits to 8: the high byte, give or take rounding.
        int[] deep = BrokenFaceFolder.DeepSamples;
        AssertUniform(set.GetPixels(Index("bob/deep.png")), (deep[0] / 256, deep[1] / 256, deep[2] / 256), tolerance: 1);
        // Over black: colour x alpha / 255.
        int[] a = BrokenFaceFolder.AlphaColour;
        AssertUniform(set.GetPixels(Index("bob/alpha.png")), (a[0] * a[3] / 255, a[1] * a[3] / 255, a[2] * a[3] / 255), tolerance: 1);

        string Reason(string relative) => report.Of(FaceDataIssueKind.Converted).Single(i => i.Path == folder.PathOf(relative)).Reason;
        Assert.Contains("greyscale", Reason("bob/grey.png"), StringComparison.Ordinal);
        Assert.Contains("16 bits", Reason("bob/deep.png"), StringComparison.Ordinal);
        Assert.Contains("transparent", Reason("bob/alpha.png"), StringComparison.Ordinal);
        Assert.Contains("CMYK", Reason("bob/cmyk.jpg"), StringComparison.Ordinal);
        // The CMYK file decodes to a flat colour (its conversion formula is the decoder's business).
        ReadOnlySpan<byte> cmyk = set.GetPixels(Index("bob/cmyk.jpg"));
        int plane = BrokenFaceFolder.Side * BrokenFaceFolder.Side;
        for (int c = 0; c < 3; c++)
        {
            ReadOnlySpan<byte> channel = cmyk.Slice(c * plane, plane);
            Assert.True(channel.IndexOfAnyExcept(channel[0]) < 0, $"CMYK plane {c} is not flat");
        }
    }

    [Fact]
    public void Fail_names_the_first_bad_file_in_label_order_and_counts_the_rest()
    {
        using var folder = new BrokenFaceFolder();
        int bad = folder.Expected.Count(e => FaceDataIssueKinds.IsBad(e.Kind));

        var error = Assert.Throws<FaceDataException>(() => FaceImageSet.LoadFolder(folder.Root, 16, new FaceFolderLoadOptions(), out _));

        // alice's files in ordinal order: 1.png, 2.png, 2b.png (a duplicate: dropped, not bad), empty.jpg.
        Assert.Equal(folder.PathOf("alice/empty.jpg"), error.Path);
        Assert.Equal(FaceDataIssueKind.ZeroByte, error.Kind);
        Assert.StartsWith(folder.PathOf("alice/empty.jpg") + ": ", error.Message, StringComparison.Ordinal);
        Assert.Contains($"and {bad - 1} more bad", error.Message, StringComparison.Ordinal);
        Assert.NotNull(error.Report);
        Assert.Equal(bad, error.Report.Issues.Count(i => FaceDataIssueKinds.IsBad(i.Kind)));
    }

    [Fact]
    public void Check_without_pixels_agrees_with_the_load()
    {
        using var folder = new BrokenFaceFolder(withNonUtf8Name: false);

        FaceImageSet set = FaceImageSet.LoadFolder(folder.Root, 16, SkipBad, out FaceDataReport loadReport);
        (ImageFolderScan usable, FaceDataReport checkReport) = FaceFolderCheck.Run(folder.Root, SkipBad);

        Assert.Equal(set.Sources, usable.Identities.SelectMany(i => i.Images));
        Assert.Equal(set.ClassNames, usable.Identities.Select(i => i.Name));
        Assert.Equal(loadReport.Issues, checkReport.Issues);
        Assert.Empty(usable.UnusableIdentities);
    }

    [Fact]
    public void An_empty_identity_folder_fails_under_fail_and_is_skipped_under_skip()
    {
        using var temp = new KappaFace.MLNet.Tests.Shared.TempFolder();
        temp.Bytes("a/1.png", HandEncodedImages.RgbPng(20, 20, (x, y) => ((byte)x, (byte)y, 1)));
        temp.Bytes("a/2.png", HandEncodedImages.RgbPng(20, 20, (x, y) => ((byte)x, (byte)y, 2)));
        string empty = temp.Folder("b");

        var error = Assert.Throws<FaceDataException>(() => FaceImageSet.LoadFolder(temp.Path, 16, new FaceFolderLoadOptions(), out _));
        FaceImageSet set = FaceImageSet.LoadFolder(temp.Path, 16, SkipBad, out FaceDataReport report);

        Assert.Equal(empty, error.Path);
        Assert.Equal(FaceDataIssueKind.EmptyIdentity, error.Kind);
        Assert.Equal(["a"], set.ClassNames);
        Assert.Equal(empty, Assert.Single(report.Issues).Path);
    }

    [Fact]
    public void Duplicates_within_an_identity_are_dropped_even_under_fail_but_across_identities_they_fail()
    {
        using var temp = new KappaFace.MLNet.Tests.Shared.TempFolder();
        byte[] picture = HandEncodedImages.RgbPng(20, 20, (x, y) => ((byte)x, (byte)y, 1));
        temp.Bytes("a/1.png", picture);
        string copy = temp.Bytes("a/2.png", picture);
        temp.Bytes("a/3.png", HandEncodedImages.RgbPng(20, 20, (x, y) => ((byte)y, (byte)x, 1)));
        temp.Bytes("b/1.png", HandEncodedImages.RgbPng(20, 20, (x, y) => ((byte)y, (byte)x, 9)));

        FaceImageSet set = FaceImageSet.LoadFolder(temp.Path, 16, new FaceFolderLoadOptions(), out FaceDataReport report);
        Assert.Equal(3, set.Count);
        Assert.DoesNotContain(copy, set.Sources);
        Assert.Equal(copy, Assert.Single(report.Of(FaceDataIssueKind.Duplicate)).Path);

        string crossCopy = temp.Bytes("b/2.png", picture);
        var error = Assert.Throws<FaceDataException>(() => FaceImageSet.LoadFolder(temp.Path, 16, new FaceFolderLoadOptions(), out _));
        Assert.Equal(Path.Combine(temp.Path, "a/1.png"), error.Path);
        Assert.Equal(FaceDataIssueKind.CrossIdentityDuplicate, error.Kind);
        Assert.Contains("'b/2.png'", error.Message, StringComparison.Ordinal);
        Assert.Contains(crossCopy, error.Report!.Of(FaceDataIssueKind.CrossIdentityDuplicate).Select(i => i.Path));
    }

    [Fact]
    public void When_nothing_usable_is_left_the_error_carries_the_report()
    {
        using var temp = new KappaFace.MLNet.Tests.Shared.TempFolder();
        temp.Bytes("a/1.png", []);
        temp.Bytes("b/1.jpg", [1, 2, 3]);

        var error = Assert.Throws<FaceDataException>(() => FaceImageSet.LoadFolder(temp.Path, 16, SkipBad, out _));

        Assert.Contains("no usable images", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, error.Report!.Count(FaceDataIssueKind.IdentityWithoutImages));
        Assert.Equal(1, error.Report.Count(FaceDataIssueKind.ZeroByte));
        Assert.Equal(1, error.Report.Count(FaceDataIssueKind.NotAnImage));
    }

    [Fact]
    public void The_overloads_without_options_accept_tiny_images_and_duplicates_as_before()
    {
        using var temp = new KappaFace.MLNet.Tests.Shared.TempFolder();
        byte[] tiny = HandEncodedImages.RgbPng(4, 4, (x, y) => ((byte)x, (byte)y, 1));
        temp.Bytes("a/1.png", tiny);
        temp.Bytes("a/2.png", tiny);

        FaceImageSet set = FaceImageSet.LoadFolder(temp.Path, 8);

        Assert.Equal(2, set.Count);
    }

    [SkippableFact]
    public void A_file_name_that_is_not_utf8_is_unreadable_with_a_clear_reason()
    {
        using var temp = new KappaFace.MLNet.Tests.Shared.TempFolder();
        temp.Bytes("a/good.png", HandEncodedImages.RgbPng(20, 20, (x, y) => ((byte)x, (byte)y, 1)));
        string plain = temp.Bytes("a/plain.png", HandEncodedImages.RgbPng(20, 20, (x, y) => ((byte)y, (byte)x, 1)));
        string? listed = NonUtf8FileName.TryRename(plain, out string? reason);
        Skip.If(listed is null, reason);

        var error = Assert.Throws<FaceDataException>(() => FaceImageSet.LoadFolder(temp.Path, 16, new FaceFolderLoadOptions(), out _));
        FaceImageSet set = FaceImageSet.LoadFolder(temp.Path, 16, SkipBad, out FaceDataReport report);

        Assert.Equal(listed, error.Path);
        Assert.Equal(FaceDataIssueKind.Unreadable, error.Kind);
        Assert.Contains("not valid UTF-8", error.Message, StringComparison.Ordinal);
        Assert.Equal([Path.Combine(temp.Path, "a/good.png")], set.Sources);
        Assert.Equal(listed, Assert.Single(report.Of(FaceDataIssueKind.Unreadable)).Path);
    }

    [Fact]
    public void The_catalog_loads_only_usable_images_under_skip()
    {
        using var folder = new BrokenFaceFolder(withNonUtf8Name: false);
        var ml = new MLContext(seed: 1);

        IDataView rows = ml.FaceRecognition().LoadImageFolder(folder.Root, SkipBad, out FaceDataReport report);

        Assert.Equal(folder.Usable.Select(u => u.Path), rows.GetColumn<string>(FaceColumnNames.ImagePath));
        Assert.Equal(folder.Usable.Select(u => u.Identity), rows.GetColumn<string>(FaceColumnNames.Identity));
        Assert.Equal(folder.Expected.Count, report.Issues.Count);
        Assert.Throws<FaceDataException>(() => ml.FaceRecognition().LoadImageFolder(folder.Root, new FaceFolderLoadOptions()));
    }

    [SkippableFact]
    public void An_identity_folder_whose_name_is_not_utf8_is_unreadable_with_a_clear_reason()
    {
        using var temp = new KappaFace.MLNet.Tests.Shared.TempFolder();
        temp.Bytes("a/1.png", HandEncodedImages.RgbPng(20, 20, (x, y) => ((byte)x, (byte)y, 1)));
        temp.Bytes("a/2.png", HandEncodedImages.RgbPng(20, 20, (x, y) => ((byte)y, (byte)x, 1)));
        temp.Bytes("b/1.png", HandEncodedImages.RgbPng(20, 20, (x, y) => ((byte)y, (byte)x, 2)));
        string? listed = NonUtf8FileName.TryRename(Path.Combine(temp.Path, "b"), "caf\\351", out string? reason);
        Skip.If(listed is null, reason);

        var error = Assert.Throws<FaceDataException>(() => FaceImageSet.LoadFolder(temp.Path, 16, new FaceFolderLoadOptions(), out _));
        FaceImageSet set = FaceImageSet.LoadFolder(temp.Path, 16, SkipBad, out FaceDataReport report);

        Assert.Equal(listed, error.Path);
        Assert.Equal(FaceDataIssueKind.Unreadable, error.Kind);
        Assert.Contains("not valid UTF-8", error.Message, StringComparison.Ordinal);
        Assert.Equal(["a"], set.ClassNames);
        Assert.Equal(listed, Assert.Single(report.Of(FaceDataIssueKind.Unreadable)).Path);
    }

    [SkippableFact]
    public void The_real_data_sets_hold_no_bad_input_and_yale_is_reported_as_greyscale()
    {
        string? celeba = KappaFace.MLNet.Tests.Shared.SharedData.DataSet("celeba-dev");
        string? yale = KappaFace.MLNet.Tests.Shared.SharedData.DataSet("yaleb-cropped");
        Skip.If(celeba is null || yale is null, KappaFace.MLNet.Tests.Shared.SharedData.MissingReason("celeba-dev and yaleb-cropped"));

        // The data README: celeba-dev is 2083 RGB JPEGs of 175 identities with duplicates removed; yaleb-cropped
        // is 719 8-bit greyscale PNGs of 38 identities. Files beside the images (pairs.txt, ...) are only ignored.
        FaceDataReport celebaReport = FaceFolderCheck.Run(celeba, new FaceFolderLoadOptions()).Report;
        FaceDataReport yaleReport = FaceFolderCheck.Run(yale, new FaceFolderLoadOptions()).Report;

        Assert.Equal((2083, 175), (celebaReport.ImagesUsed, celebaReport.IdentitiesUsed));
        Assert.All(celebaReport.Issues, issue => Assert.Equal(FaceDataIssueKind.Ignored, issue.Kind));
        Assert.Equal((719, 38), (yaleReport.ImagesUsed, yaleReport.IdentitiesUsed));
        Assert.Equal(719, yaleReport.Count(FaceDataIssueKind.Converted));
        Assert.All(yaleReport.Of(FaceDataIssueKind.Converted), issue => Assert.Contains("greyscale", issue.Reason, StringComparison.Ordinal));
        Assert.All(yaleReport.Issues, issue => Assert.Contains(issue.Kind, new[] { FaceDataIssueKind.Converted, FaceDataIssueKind.Ignored }));
    }

    private static void AssertUniform(ReadOnlySpan<byte> chw, (int R, int G, int B) colour, int tolerance)
    {
        int plane = chw.Length / 3;
        for (int i = 0; i < plane; i++)
        {
            Assert.True(
                Math.Abs(chw[i] - colour.R) <= tolerance && Math.Abs(chw[plane + i] - colour.G) <= tolerance
                && Math.Abs(chw[(2 * plane) + i] - colour.B) <= tolerance,
                $"pixel {i}: got ({chw[i]},{chw[plane + i]},{chw[(2 * plane) + i]}), expected {colour}");
        }
    }
}
