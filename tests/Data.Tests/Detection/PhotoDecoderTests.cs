using KappaFace.MLNet.Data.Alignment;
using KappaFace.MLNet.Data.Detection;
using KappaFace.MLNet.Tests.Shared;
using SkiaSharp;
using Xunit;

namespace KappaFace.MLNet.Data.Tests.Detection;

/// <summary>Photos as the detector sees them: upright, 8-bit RGB, bounded size; crops written in every format.</summary>
public class PhotoDecoderTests
{
    [Theory]
    [InlineData(1, 6, 4, 0, 0)]   // as stored: red corner top-left
    [InlineData(2, 6, 4, 5, 0)]   // mirrored: top-right
    [InlineData(3, 6, 4, 5, 3)]   // rotated 180: bottom-right
    [InlineData(4, 6, 4, 0, 3)]   // flipped: bottom-left
    [InlineData(5, 4, 6, 0, 0)]   // transposed
    [InlineData(6, 4, 6, 3, 0)]   // rotated 90 clockwise: top-right
    [InlineData(7, 4, 6, 3, 5)]   // transverse
    [InlineData(8, 4, 6, 0, 5)]   // rotated 90 anticlockwise: bottom-left
    public void Exif_orientation_is_applied_before_detection(int orientation, int width, int height, int redX, int redY)
    {
        using var folder = new TempFolder();
        string path = Path.Combine(folder.Path, "photo.jpg");
        // 6 x 4 stored pixels, red only at the stored top-left pixel (PNG would keep it exact; EXIF is a JPEG feature,
        // so the JPEG is written at quality 100 and colours are compared coarsely).
        var stored = FaceDetectorTests.Image(6, 4, (x, y) => x == 0 && y == 0 ? (255, 0, 0) : (0, 0, 255));
        File.WriteAllBytes(path, WithExifOrientation(CropFile.Encode(stored, ".jpg"), orientation));

        var photo = PhotoDecoder.Decode(path);

        Assert.Equal((width, height), (photo.Image.Width, photo.Image.Height));
        int reddest = Enumerable.Range(0, width * height).MaxBy(i => photo.Image.Pixels[3 * i] - photo.Image.Pixels[(3 * i) + 2]);
        Assert.Equal((redX, redY), (reddest % width, reddest / width));
        Assert.Equal(orientation == 1 ? null : $"EXIF orientation {orientation} applied", photo.Conversion);
    }

    [Fact]
    public void Greyscale_and_cmyk_photos_become_rgb_and_say_so()
    {
        using var folder = new TempFolder();
        string grey = Path.Combine(folder.Path, "grey.png");
        File.WriteAllBytes(grey, HandEncodedImages.Png(5, 3, HandEncodedImages.Grey, 8, (x, _, _) => 40 * x));
        string cmyk = Path.Combine(folder.Path, "cmyk.jpg");
        File.WriteAllBytes(cmyk, HandEncodedImages.FlatJpeg(8, 8, 30, 120, 200, 10));

        var g = PhotoDecoder.Decode(grey);
        Assert.Equal([160, 160, 160], g.Image.Pixels[12..15]);
        Assert.Contains("greyscale", g.Conversion, StringComparison.Ordinal);
        var c = PhotoDecoder.Decode(cmyk);
        Assert.Equal((8, 8), (c.Image.Width, c.Image.Height));
        Assert.Contains("CMYK", c.Conversion, StringComparison.Ordinal);
    }

    [Fact]
    public void Huge_and_broken_files_are_refused_with_their_kind_before_pixels_are_allocated()
    {
        using var folder = new TempFolder();
        string big = Path.Combine(folder.Path, "big.png");
        File.WriteAllBytes(big, HandEncodedImages.Png(300, 200, HandEncodedImages.Grey, 8, (_, _, _) => 0));
        var ex = Assert.Throws<FaceDataException>(() => PhotoDecoder.Decode(big, maximumPixels: 50_000));
        Assert.Equal(FaceDataIssueKind.TooLarge, ex.Kind);
        Assert.Contains("300x200", ex.Message, StringComparison.Ordinal);

        string text = Path.Combine(folder.Path, "notes.jpg");
        File.WriteAllText(text, "not an image");
        Assert.Equal(FaceDataIssueKind.NotAnImage, Assert.Throws<FaceDataException>(() => PhotoDecoder.Decode(text)).Kind);
    }

    [Theory]
    [InlineData(".png")]
    [InlineData(".bmp")]
    [InlineData(".jpg")]
    [InlineData(".webp")]
    public void Crops_are_written_in_the_format_their_extension_names(string extension)
    {
        using var folder = new TempFolder();
        var random = new Random(2);
        var pixels = new byte[3 * 7 * 5];
        random.NextBytes(pixels);
        var image = new RgbImage(7, 5, pixels);
        string path = Path.Combine(folder.Path, "sub", "crop" + extension);

        CropFile.Write(image, path);

        var back = PhotoDecoder.Decode(path).Image;
        Assert.Equal((7, 5), (back.Width, back.Height));
        if (extension is ".png" or ".bmp")
        {
            Assert.Equal(pixels, back.Pixels);
        }

        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!, "*.tmp"));
        using var codec = SKCodec.Create(path);
        Assert.Equal(extension.TrimStart('.').Replace("jpg", "jpeg"), codec.EncodedFormat.ToString().ToLowerInvariant());
    }

    [Fact]
    public void Upscaling_keeps_flat_colours_and_linear_ramps()
    {
        var flat = FaceDetectorTests.Image(9, 7, (_, _) => (12, 130, 250));
        Assert.All(ImageScaler.Resize(flat, 20, 15).Pixels.Chunk(3), p => Assert.Equal([12, 130, 250], p));

        // Cubic convolution reproduces linear functions: away from the border, the 2x upscale of a ramp
        // 10 x is the ramp at each output pixel's source coordinate (x + 0.5) / 2 - 0.5.
        var ramp = FaceDetectorTests.Image(12, 3, (x, _) => (10 * x, 0, 0));
        var up = ImageScaler.Resize(ramp, 24, 6);
        for (int x = 4; x < 20; x++)
        {
            Assert.InRange(up.Pixels[3 * ((2 * 24) + x)], (10 * (((x + 0.5) / 2) - 0.5)) - 0.5, (10 * (((x + 0.5) / 2) - 0.5)) + 0.5);
        }
    }

    /// <summary>Inserts an EXIF APP1 segment (big-endian TIFF, one IFD entry: orientation) after the JPEG SOI marker.</summary>
    private static byte[] WithExifOrientation(byte[] jpeg, int orientation)
    {
        byte[] tiff =
        [
            (byte)'M', (byte)'M', 0, 42, 0, 0, 0, 8,   // header, IFD at offset 8
            0, 1,                                       // one entry
            0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, (byte)orientation, 0, 0,   // tag 274, SHORT, count 1, value
            0, 0, 0, 0,                                 // no next IFD
        ];
        byte[] payload = [.. "Exif\0\0"u8.ToArray(), .. tiff];
        int length = payload.Length + 2;
        byte[] segment = [0xFF, 0xE1, (byte)(length >> 8), (byte)length, .. payload];
        return [.. jpeg[..2], .. segment, .. jpeg[2..]];
    }
}
