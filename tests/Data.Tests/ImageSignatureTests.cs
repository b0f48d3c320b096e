using KappaFace.MLNet.Data;
using Xunit;

namespace KappaFace.MLNet.Data.Tests;

/// <summary>Format recognition and the header fields that say what converting to 8-bit RGB changes.</summary>
public class ImageSignatureTests
{
    public static TheoryData<string, byte[], string[]> Headers => new()
    {
        { "RGB PNG", HandEncodedImages.RgbPng(2, 2, (_, _) => (1, 2, 3)), [] },
        { "grey PNG", HandEncodedImages.Png(2, 2, HandEncodedImages.Grey, 8, (_, _, _) => 7), ["greyscale to RGB"] },
        { "16-bit grey PNG", HandEncodedImages.Png(2, 2, HandEncodedImages.Grey, 16, (_, _, _) => 700), ["greyscale to RGB", "16 bits per channel to 8"] },
        { "palette PNG", HandEncodedImages.Png(2, 2, HandEncodedImages.Palette, 8, (_, _, _) => 0, [10, 20, 30]), ["palette to RGB"] },
        { "RGBA PNG", HandEncodedImages.Png(2, 2, HandEncodedImages.Rgba, 8, (_, _, _) => 9), [] },
        { "YCbCr JPEG", HandEncodedImages.FlatJpeg(8, 8, 100, 128, 128), [] },
        { "grey JPEG", HandEncodedImages.FlatJpeg(8, 8, 100), ["greyscale to RGB"] },
        { "CMYK JPEG", HandEncodedImages.FlatJpeg(8, 8, 1, 2, 3, 4), ["CMYK to RGB"] },
    };

    [Theory]
    [MemberData(nameof(Headers))]
    public void Header_fields_give_the_conversions(string name, byte[] file, string[] conversions)
    {
        string? format = ImageSignature.FormatOf(file);

        Assert.Equal(name.EndsWith("PNG", StringComparison.Ordinal) ? "PNG" : "JPEG", format);
        Assert.Equal(conversions, ImageSignature.ConversionsOf(format, file));
    }

    [Theory]
    [InlineData(new byte[] { 0x49, 0x49, 0x2A, 0x00, 8, 0 }, "TIFF", false)]
    [InlineData(new byte[] { 0x4D, 0x4D, 0x00, 0x2A, 0, 8 }, "TIFF", false)]
    [InlineData(new byte[] { 0, 0, 0, 0x18, 0x66, 0x74, 0x79, 0x70, 0x68, 0x65, 0x69, 0x63 }, "HEIF", false)]
    [InlineData(new byte[] { 0, 0, 0, 0x18, 0x66, 0x74, 0x79, 0x70, 0x61, 0x76, 0x69, 0x66 }, "AVIF", false)]
    [InlineData(new byte[] { 0x47, 0x49, 0x46, 0x38, 0x39, 0x61 }, "GIF", true)]
    [InlineData(new byte[] { 0x52, 0x49, 0x46, 0x46, 0, 0, 0, 0, 0x57, 0x45, 0x42, 0x50 }, "WebP", true)]
    [InlineData(new byte[] { 0x25, 0x50, 0x44, 0x46 }, null, false)]
    public void Magic_bytes_name_the_format(byte[] start, string? format, bool decodable)
    {
        Assert.Equal(format, ImageSignature.FormatOf(start));
        if (format is not null)
        {
            Assert.Equal(decodable, ImageSignature.IsDecodable(format));
        }
    }

    [Fact]
    public void Non_images_are_described_as_text_or_leading_bytes()
    {
        Assert.Equal("it holds text (\"hello world \")", ImageSignature.Describe("hello world\n"u8));
        Assert.Equal("it starts with bytes 00FF10", ImageSignature.Describe([0x00, 0xFF, 0x10]));
    }
}
