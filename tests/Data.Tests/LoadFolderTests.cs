using KappaFace.MLNet.Tests.Shared;
using System.Diagnostics;
using KappaFace.MLNet.Data;
using SkiaSharp;
using Xunit;
using Xunit.Abstractions;

namespace KappaFace.MLNet.Data.Tests;

/// <summary>celeba-dev decoded once at 112 x 112 for all tests of the class.</summary>
public sealed class CelebaFixture
{
    public CelebaFixture()
    {
        Directory = SharedData.DataSet("celeba-dev");
        if (Directory is not null)
        {
            var watch = Stopwatch.StartNew();
            Set = FaceImageSet.LoadFolder(Directory, 112);
            LoadTime = watch.Elapsed;
        }
    }

    public string? Directory { get; }

    public FaceImageSet? Set { get; }

    public TimeSpan LoadTime { get; }
}

public class LoadFolderTests : IClassFixture<CelebaFixture>
{
    private readonly CelebaFixture _celeba;
    private readonly ITestOutputHelper _output;

    public LoadFolderTests(CelebaFixture celeba, ITestOutputHelper output)
    {
        _celeba = celeba;
        _output = output;
    }

    [SkippableFact]
    public void Celeba_dev_loads_with_counts_labels_and_sources_in_scan_order()
    {
        Skip.If(_celeba.Set is null, SharedData.MissingReason("celeba-dev"));
        FaceImageSet set = _celeba.Set;
        _output.WriteLine($"celeba-dev: {set.Count} images decoded in {_celeba.LoadTime.TotalSeconds:F2} s");

        Assert.Equal(2083, set.Count);
        Assert.Equal(175, set.ClassCount);
        Assert.Equal(112, set.ImageSize);
        Assert.Equal(2083L * 3 * 112 * 112, set.Pixels.Length);
        Assert.Equal(2083, set.ClassCounts().Sum());
        Assert.All(set.ClassCounts(), count => Assert.InRange(count, 9, 12));

        ImageFolderScan scan = ImageFolder.Scan(_celeba.Directory!);
        Assert.Equal(scan.Identities.Select(i => i.Name), set.ClassNames);
        Assert.Equal(scan.Identities.SelectMany(i => i.Images), set.Sources);
        for (int i = 0; i < set.Count; i++)
        {
            // Each image's label is its folder.
            Assert.Equal(Path.GetFileName(Path.GetDirectoryName(set.Sources[i])), set.ClassNames[set.Labels[i]]);
        }
    }

    [SkippableFact]
    public void Celeba_dev_pixels_equal_an_independent_decode_in_rgb_chw_layout()
    {
        Skip.If(_celeba.Set is null, SharedData.MissingReason("celeba-dev"));
        FaceImageSet set = _celeba.Set;

        foreach (int index in new[] { 0, 777, set.Count - 1 })
        {
            // 112 x 112 files are not resampled, so every byte must match a plain SkiaSharp decode.
            using SKBitmap reference = SKBitmap.Decode(set.Sources[index]);
            Assert.Equal(112, reference.Width);
            ReadOnlySpan<byte> pixels = set.GetPixels(index);
            Assert.True(pixels.SequenceEqual(set.Pixels.Span.Slice(index * set.BytesPerImage, set.BytesPerImage)));
            AssertMatches(reference, pixels, 112, rowOffset: 0, tolerance: 0);
        }
    }

    [SkippableFact]
    public void Yale_greyscale_pngs_become_rgb_with_equal_planes_and_are_centre_cropped()
    {
        string? yale = SharedData.DataSet("yaleb-cropped");
        Skip.If(yale is null, SharedData.MissingReason("yaleb-cropped"));

        // 168 wide x 192 high; at S = 168 the centre crop drops 12 rows top and bottom, without scaling.
        FaceImageSet set = FaceImageSet.LoadFolder(yale, 168);

        Assert.Equal(38, set.ClassCount);
        Assert.Equal(719, set.Count);
        Assert.DoesNotContain("yaleB14", set.ClassNames);
        int plane = 168 * 168;
        for (int index = 0; index < set.Count; index += 50)
        {
            ReadOnlySpan<byte> pixels = set.GetPixels(index);
            Assert.True(pixels[..plane].SequenceEqual(pixels.Slice(plane, plane)), $"R and G planes differ in {set.Sources[index]}");
            Assert.True(pixels[..plane].SequenceEqual(pixels.Slice(2 * plane, plane)), $"R and B planes differ in {set.Sources[index]}");
        }

        using SKBitmap reference = SKBitmap.Decode(set.Sources[100]);
        Assert.Equal(SKColorType.Gray8, reference.ColorType);
        AssertMatches(reference, set.GetPixels(100), 168, rowOffset: 12, tolerance: 0);
    }

    [SkippableFact]
    public void Yale_loads_at_112_with_equal_planes()
    {
        string? yale = SharedData.DataSet("yaleb-cropped");
        Skip.If(yale is null, SharedData.MissingReason("yaleb-cropped"));

        FaceImageSet set = FaceImageSet.LoadFolder(yale, 112);

        Assert.Equal(719, set.Count);
        ReadOnlySpan<byte> pixels = set.GetPixels(0);
        int plane = 112 * 112;
        Assert.True(pixels[..plane].SequenceEqual(pixels.Slice(plane, plane)));
        Assert.True(pixels[..plane].SequenceEqual(pixels.Slice(2 * plane, plane)));
        // Scaling 168 -> 112 keeps the image's overall brightness.
        using SKBitmap reference = SKBitmap.Decode(set.Sources[0]);
        double referenceMean = MeanOfCentreSquare(reference);
        double mean = pixels[..plane].ToArray().Average(b => (double)b);
        Assert.InRange(mean, referenceMean - 2, referenceMean + 2);
    }

    [Fact]
    public void Formats_alpha_and_non_square_images_decode_to_rgb_planes()
    {
        using var temp = new TempFolder();
        // Left quarter red, middle half green, right quarter blue: the centre crop keeps only green.
        temp.Image("wide/wide.png", 64, 32, (x, _) => x < 16 ? SKColors.Red : x < 48 ? SKColors.Lime : SKColors.Blue);
        temp.Bytes("bmp/one.bmp", TempFolder.Bmp(16, 16, (x, y) => new SKColor(200, 100, 50)));
        temp.Image("webp/one.webp", 16, 16, (_, _) => new SKColor(10, 200, 90), SKEncodedImageFormat.Webp);
        // Half-transparent red over black gives half-bright red.
        temp.Image("alpha/one.png", 16, 16, (_, _) => new SKColor(255, 0, 0, 128));

        FaceImageSet set = FaceImageSet.LoadFolder(temp.Path, 16);

        Assert.Equal(["alpha", "bmp", "webp", "wide"], set.ClassNames);
        AssertUniform(set.GetPixels(0), 16, (128, 0, 0), tolerance: 1);
        AssertUniform(set.GetPixels(1), 16, (200, 100, 50), tolerance: 0);
        AssertUniform(set.GetPixels(2), 16, (10, 200, 90), tolerance: 4); // lossy WebP: YUV rounding
        ReadOnlySpan<byte> wide = set.GetPixels(3);
        int plane = 16 * 16;
        for (int y = 2; y < 14; y++)
        {
            for (int x = 2; x < 14; x++)
            {
                int i = (y * 16) + x;
                Assert.True(wide[i] <= 2 && wide[plane + i] >= 253 && wide[(2 * plane) + i] <= 2, $"pixel ({x},{y}) is not green");
            }
        }
    }

    [Fact]
    public void Progress_counts_every_image_in_increasing_order()
    {
        using var temp = new TempFolder();
        for (int i = 0; i < 12; i++)
        {
            temp.Image($"id{i % 3}/{i}.png", 8, 8, (x, y) => new SKColor((byte)i, (byte)x, (byte)y));
        }

        var progress = new RecordingProgress();
        FaceImageSet.LoadFolder(temp.Path, 8, progress);

        Assert.Equal(Enumerable.Range(1, 12), progress.Values);
    }

    [Fact]
    public void Loading_a_scan_equals_loading_the_folder()
    {
        using var temp = new TempFolder();
        for (int i = 0; i < 6; i++)
        {
            temp.Image($"id{i % 2}/{i}.png", 12, 10, (x, y) => new SKColor((byte)(i * 40), (byte)(x * 20), (byte)(y * 20)));
        }

        FaceImageSet fromPath = FaceImageSet.LoadFolder(temp.Path, 8);
        FaceImageSet fromScan = FaceImageSet.LoadFolder(ImageFolder.Scan(temp.Path), 8);

        Assert.True(fromPath.Pixels.Span.SequenceEqual(fromScan.Pixels.Span));
        Assert.Equal(fromPath.Labels, fromScan.Labels);
        Assert.Equal(fromPath.Sources, fromScan.Sources);
        Assert.Equal([3L, 3L], fromScan.ClassCounts());
    }

    [Fact]
    public void A_corrupt_image_is_named_in_the_error()
    {
        using var temp = new TempFolder();
        temp.Image("alice/1.png", 8, 8, (_, _) => SKColors.Gray);
        temp.Image("alice/2.png", 8, 8, (_, _) => SKColors.Gray);
        string corrupt = temp.Bytes("bob/broken.jpg", [0x12, 0x34, 0x56, 0x78, 0x9A, 0xBC, 0xDE, 0xF0, 1, 2, 3, 4]);

        var error = Assert.Throws<FaceDataException>(() => FaceImageSet.LoadFolder(temp.Path, 8));

        Assert.Equal(corrupt, error.Path);
        Assert.StartsWith(corrupt, error.Message, StringComparison.Ordinal);
        Assert.Contains("not a decodable image", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_truncated_image_is_corrupt_and_the_first_bad_file_in_label_order_is_named_with_a_count_of_the_rest()
    {
        using var temp = new TempFolder();
        byte[] jpeg = TempFolder.Encode(64, 64, (x, y) => new SKColor((byte)(x * 4), (byte)(y * 4), 7), SKEncodedImageFormat.Jpeg);
        temp.Bytes("a/good.jpg", jpeg);
        string truncated = temp.Bytes("a/half.jpg", jpeg[..(jpeg.Length / 2)]);
        temp.Bytes("b/garbage.png", [1, 2, 3]);

        var error = Assert.Throws<FaceDataException>(() => FaceImageSet.LoadFolder(temp.Path, 32));

        Assert.Equal(truncated, error.Path);
        Assert.Contains("corrupt", error.Message, StringComparison.Ordinal);
        Assert.Contains("1 more bad image", error.Message, StringComparison.Ordinal);
    }

    private static void AssertMatches(SKBitmap reference, ReadOnlySpan<byte> chw, int size, int rowOffset, int tolerance)
    {
        int plane = size * size;
        for (int y = 0; y < size; y++)
        {
            for (int x = 0; x < size; x++)
            {
                SKColor expected = reference.GetPixel(x, y + rowOffset);
                int i = (y * size) + x;
                Assert.True(
                    Math.Abs(chw[i] - expected.Red) <= tolerance
                    && Math.Abs(chw[plane + i] - expected.Green) <= tolerance
                    && Math.Abs(chw[(2 * plane) + i] - expected.Blue) <= tolerance,
                    $"pixel ({x},{y}): got ({chw[i]},{chw[plane + i]},{chw[(2 * plane) + i]}), expected {expected}");
            }
        }
    }

    private static void AssertUniform(ReadOnlySpan<byte> chw, int size, (int R, int G, int B) colour, int tolerance)
    {
        int plane = size * size;
        for (int i = 0; i < plane; i++)
        {
            Assert.True(
                Math.Abs(chw[i] - colour.R) <= tolerance && Math.Abs(chw[plane + i] - colour.G) <= tolerance
                && Math.Abs(chw[(2 * plane) + i] - colour.B) <= tolerance,
                $"pixel {i}: got ({chw[i]},{chw[plane + i]},{chw[(2 * plane) + i]}), expected {colour}");
        }
    }

    private static double MeanOfCentreSquare(SKBitmap bitmap)
    {
        int side = Math.Min(bitmap.Width, bitmap.Height);
        int top = (bitmap.Height - side) / 2;
        int left = (bitmap.Width - side) / 2;
        double sum = 0;
        for (int y = top; y < top + side; y++)
        {
            for (int x = left; x < left + side; x++)
            {
                sum += bitmap.GetPixel(x, y).Red;
            }
        }

        return sum / (side * side);
    }

    private sealed class RecordingProgress : IProgress<int>
    {
        private readonly List<int> _values = [];

        public IReadOnlyList<int> Values => _values;

        // The loader reports under a lock, so appends here are already in order.
        public void Report(int value) => _values.Add(value);
    }
}
