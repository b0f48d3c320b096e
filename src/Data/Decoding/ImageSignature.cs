using System.Buffers.Binary;
using System.Text;

namespace KappaFace.MLNet.Data;

/// <summary>
/// Recognises image formats by their first bytes and reads the few header fields that say whether
/// decoding to 8-bit RGB converts the image (greyscale, palette, CMYK, more than 8 bits per channel),
/// facts SkiaSharp's codec does not expose.
/// </summary>
internal static class ImageSignature
{
    /// <summary>Formats SkiaSharp decodes, by the name <see cref="FormatOf"/> returns.</summary>
    private static readonly HashSet<string> Decodable = new(StringComparer.Ordinal) { "PNG", "JPEG", "GIF", "BMP", "WebP", "ICO" };

    /// <summary>The format named by the file's magic bytes, or null when they match no image format known here.</summary>
    public static string? FormatOf(ReadOnlySpan<byte> bytes)
    {
        if (Starts(bytes, [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        {
            return "PNG";
        }

        if (Starts(bytes, [0xFF, 0xD8, 0xFF]))
        {
            return "JPEG";
        }

        if (bytes.StartsWith("GIF87a"u8) || bytes.StartsWith("GIF89a"u8))
        {
            return "GIF";
        }

        if (bytes.StartsWith("BM"u8) && bytes.Length >= 26)
        {
            return "BMP";
        }

        if (bytes.Length >= 12 && bytes.StartsWith("RIFF"u8) && bytes[8..12].SequenceEqual("WEBP"u8))
        {
            return "WebP";
        }

        if (Starts(bytes, [0x00, 0x00, 0x01, 0x00]))
        {
            return "ICO";
        }

        if (bytes.StartsWith("II*\0"u8) || bytes.StartsWith("MM\0*"u8))
        {
            return "TIFF";
        }

        if (bytes.StartsWith("8BPS"u8))
        {
            return "PSD";
        }

        if (Starts(bytes, [0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20]) || Starts(bytes, [0xFF, 0x4F, 0xFF, 0x51]))
        {
            return "JPEG 2000";
        }

        if (Starts(bytes, [0xFF, 0x0A]) || Starts(bytes, [0x00, 0x00, 0x00, 0x0C, 0x4A, 0x58, 0x4C, 0x20]))
        {
            return "JPEG XL";
        }

        if (bytes.Length >= 12 && bytes[4..8].SequenceEqual("ftyp"u8))
        {
            ReadOnlySpan<byte> brand = bytes[8..12];
            if (brand.SequenceEqual("avif"u8) || brand.SequenceEqual("avis"u8))
            {
                return "AVIF";
            }

            if (brand.SequenceEqual("heic"u8) || brand.SequenceEqual("heix"u8) || brand.SequenceEqual("mif1"u8) || brand.SequenceEqual("msf1"u8))
            {
                return "HEIF";
            }
        }

        return null;
    }

    /// <summary>True when SkiaSharp has a decoder for <paramref name="format"/>.</summary>
    public static bool IsDecodable(string format) => Decodable.Contains(format);

    /// <summary>
    /// A short description of content that is not an image, for messages: text is quoted, anything else
    /// is shown as its first bytes in hex.
    /// </summary>
    public static string Describe(ReadOnlySpan<byte> bytes)
    {
        ReadOnlySpan<byte> head = bytes[..Math.Min(bytes.Length, 24)];
        if (head.Length > 0 && IsText(head))
        {
            string start = Encoding.ASCII.GetString(head).ReplaceLineEndings(" ");
            return $"it holds text (\"{start}{(bytes.Length > head.Length ? "..." : string.Empty)}\")";
        }

        return $"it starts with bytes {Convert.ToHexString(head[..Math.Min(head.Length, 8)])}";
    }

    /// <summary>
    /// What decoding to 8-bit RGB changes beyond the pixel layout, read from the PNG or JPEG header:
    /// greyscale, palette, CMYK, more than 8 bits per channel. Empty for other formats or unreadable headers.
    /// </summary>
    public static List<string> ConversionsOf(string? format, ReadOnlySpan<byte> bytes)
    {
        var conversions = new List<string>();
        if (format == "PNG")
        {
            PngConversions(bytes, conversions);
        }
        else if (format == "JPEG")
        {
            JpegConversions(bytes, conversions);
        }

        return conversions;
    }

    private static bool Starts(ReadOnlySpan<byte> bytes, ReadOnlySpan<byte> magic) => bytes.StartsWith(magic);

    private static bool IsText(ReadOnlySpan<byte> head)
    {
        foreach (byte b in head)
        {
            // Printable ASCII plus tab, LF and CR.
            if (b is not (>= 0x20 and <= 0x7E) and not (byte)'\t' and not (byte)'\n' and not (byte)'\r')
            {
                return false;
            }
        }

        return true;
    }

    private static void PngConversions(ReadOnlySpan<byte> bytes, List<string> conversions)
    {
        // IHDR is the first chunk: 8 signature bytes, 4 length, 4 type, then width, height, depth, colour type.
        if (bytes.Length < 26 || !bytes[12..16].SequenceEqual("IHDR"u8))
        {
            return;
        }

        byte bitDepth = bytes[24];
        byte colourType = bytes[25];
        if (colourType is 0 or 4)
        {
            conversions.Add("greyscale to RGB");
        }
        else if (colourType == 3)
        {
            conversions.Add("palette to RGB");
        }

        if (bitDepth == 16)
        {
            conversions.Add("16 bits per channel to 8");
        }
    }

    private static void JpegConversions(ReadOnlySpan<byte> bytes, List<string> conversions)
    {
        // Walk the marker segments up to the first start-of-frame, which holds precision and component count.
        int at = 2;
        while (at + 4 <= bytes.Length)
        {
            if (bytes[at] != 0xFF)
            {
                return;
            }

            byte marker = bytes[at + 1];
            if (marker == 0xFF)
            {
                at++; // fill byte
                continue;
            }

            int length = BinaryPrimitives.ReadUInt16BigEndian(bytes[(at + 2)..]);
            bool startOfFrame = marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC;
            if (startOfFrame)
            {
                if (at + 10 > bytes.Length)
                {
                    return;
                }

                byte precision = bytes[at + 4];
                byte components = bytes[at + 9];
                if (components == 1)
                {
                    conversions.Add("greyscale to RGB");
                }
                else if (components == 4)
                {
                    conversions.Add("CMYK to RGB");
                }

                if (precision > 8)
                {
                    conversions.Add($"{precision} bits per channel to 8");
                }

                return;
            }

            if (length < 2)
            {
                return;
            }

            at += 2 + length;
        }
    }
}
