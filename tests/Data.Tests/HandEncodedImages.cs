using System.Buffers.Binary;
using System.IO.Compression;

namespace KappaFace.MLNet.Data.Tests;

/// <summary>
/// Image files written byte by byte, so a test controls the header fields the loader reads (PNG colour
/// type and bit depth, JPEG component count) instead of depending on what SkiaSharp's encoders choose.
/// SkiaSharp cannot write CMYK JPEGs at all.
/// </summary>
internal static class HandEncodedImages
{
    /// <summary>PNG colour types (PNG specification, IHDR).</summary>
    public const byte Grey = 0;
    public const byte Rgb = 2;
    public const byte Palette = 3;
    public const byte Rgba = 6;

    private static readonly uint[] CrcTable = BuildCrcTable();

    /// <summary>
    /// A PNG whose samples (each <paramref name="bitDepth"/>/8 bytes, big-endian) come from
    /// <paramref name="sample"/>(x, y, channel); filter 0 on every row.
    /// </summary>
    public static byte[] Png(int width, int height, byte colourType, int bitDepth, Func<int, int, int, int> sample, byte[]? palette = null)
    {
        int channels = colourType switch { Grey => 1, Rgb => 3, Palette => 1, Rgba => 4, _ => throw new ArgumentOutOfRangeException(nameof(colourType)) };
        int bytesPerSample = bitDepth / 8;
        var raw = new MemoryStream();
        for (int y = 0; y < height; y++)
        {
            raw.WriteByte(0); // filter type None
            for (int x = 0; x < width; x++)
            {
                for (int c = 0; c < channels; c++)
                {
                    int value = sample(x, y, c);
                    if (bytesPerSample == 2)
                    {
                        raw.WriteByte((byte)(value >> 8));
                    }

                    raw.WriteByte((byte)value);
                }
            }
        }

        var png = new MemoryStream();
        png.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = (byte)bitDepth;
        header[9] = colourType;
        WriteChunk(png, "IHDR", header);
        if (palette is not null)
        {
            WriteChunk(png, "PLTE", palette);
        }

        var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            zlib.Write(raw.ToArray());
        }

        WriteChunk(png, "IDAT", compressed.ToArray());
        WriteChunk(png, "IEND", []);
        return png.ToArray();
    }

    /// <summary>An 8-bit RGB PNG with pixel (x, y) = <paramref name="rgb"/>(x, y).</summary>
    public static byte[] RgbPng(int width, int height, Func<int, int, (byte R, byte G, byte B)> rgb) =>
        Png(width, height, Rgb, 8, (x, y, c) => c switch { 0 => rgb(x, y).R, 1 => rgb(x, y).G, _ => rgb(x, y).B });

    /// <summary>
    /// A baseline JPEG of one flat colour with <paramref name="components"/>.Length components (1 = grey,
    /// 3 = YCbCr, 4 = CMYK with an Adobe marker), no subsampling, all quantisation steps 1. A flat 8x8 block
    /// has only a DC coefficient, 8 x (value - 128), so two one-symbol Huffman tables suffice.
    /// </summary>
    public static byte[] FlatJpeg(int width, int height, params byte[] components)
    {
        int n = components.Length;
        var jpeg = new MemoryStream();
        jpeg.Write([0xFF, 0xD8]);
        if (n == 4)
        {
            // APP14 "Adobe", version 100, flags 0 0, transform 0: the four components are CMYK.
            Segment(jpeg, 0xEE, [(byte)'A', (byte)'d', (byte)'o', (byte)'b', (byte)'e', 0, 100, 0, 0, 0, 0, 0]);
        }

        byte[] quant = new byte[65];
        Array.Fill(quant, (byte)1);
        quant[0] = 0; // 8-bit table 0
        Segment(jpeg, 0xDB, quant);

        var frame = new List<byte> { 8, (byte)(height >> 8), (byte)height, (byte)(width >> 8), (byte)width, (byte)n };
        for (int c = 0; c < n; c++)
        {
            frame.AddRange([(byte)(c + 1), 0x11, 0]);
        }

        Segment(jpeg, 0xC0, [.. frame]);

        // One DC table for all components: symbol k of [0, distinct categories] gets the code of k ones
        // then a zero (never all ones, as the standard requires). One AC table: EOB -> "0".
        int[] dcSymbols = [0, .. components.Select(v => Category(8 * (v - 128))).Where(c => c != 0).Distinct()];
        var counts = new byte[16];
        for (int k = 0; k < dcSymbols.Length; k++)
        {
            counts[k] = 1;
        }

        Segment(jpeg, 0xC4, [0x00, .. counts, .. dcSymbols.Select(symbol => (byte)symbol)]);

        var acCounts = new byte[16];
        acCounts[0] = 1;
        Segment(jpeg, 0xC4, [0x10, .. acCounts, 0x00]);

        var scan = new List<byte> { (byte)n };
        for (int c = 0; c < n; c++)
        {
            scan.AddRange([(byte)(c + 1), 0x00]);
        }

        scan.AddRange([0, 63, 0]);
        Segment(jpeg, 0xDA, [.. scan]);

        var bits = new BitWriter();
        int blocks = ((width + 7) / 8) * ((height + 7) / 8);
        for (int b = 0; b < blocks; b++)
        {
            for (int c = 0; c < n; c++)
            {
                int dc = b == 0 ? 8 * (components[c] - 128) : 0; // later blocks: difference 0
                int category = Category(dc);
                int k = Array.IndexOf(dcSymbols, category);
                bits.Write(((1 << k) - 1) << 1, k + 1);
                if (category > 0)
                {
                    bits.Write(dc >= 0 ? dc : dc + (1 << category) - 1, category);
                }

                bits.Write(0b0, 1); // EOB: no AC coefficients
            }
        }

        jpeg.Write(bits.Finish());
        jpeg.Write([0xFF, 0xD9]);
        return jpeg.ToArray();
    }

    private static int Category(int value)
    {
        int magnitude = Math.Abs(value);
        int category = 0;
        while (magnitude > 0)
        {
            category++;
            magnitude >>= 1;
        }

        return category;
    }

    private static void Segment(MemoryStream jpeg, byte marker, byte[] payload)
    {
        jpeg.Write([0xFF, marker, (byte)((payload.Length + 2) >> 8), (byte)(payload.Length + 2)]);
        jpeg.Write(payload);
    }

    private static void WriteChunk(MemoryStream png, string type, byte[] data)
    {
        var length = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        png.Write(length);
        byte[] typeAndData = [.. System.Text.Encoding.ASCII.GetBytes(type), .. data];
        png.Write(typeAndData);
        var crc = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32(typeAndData));
        png.Write(crc);
    }

    private static uint Crc32(byte[] bytes)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in bytes)
        {
            crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        return crc ^ 0xFFFFFFFF;
    }

    private static uint[] BuildCrcTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
            }

            table[n] = c;
        }

        return table;
    }

    /// <summary>Entropy-coded bits, most significant first, with JPEG's 0xFF byte stuffing and 1-bit padding.</summary>
    private sealed class BitWriter
    {
        private readonly List<byte> _bytes = [];
        private int _current;
        private int _filled;

        public void Write(int value, int count)
        {
            for (int i = count - 1; i >= 0; i--)
            {
                _current = (_current << 1) | ((value >> i) & 1);
                if (++_filled == 8)
                {
                    Flush();
                }
            }
        }

        public byte[] Finish()
        {
            while (_filled != 0)
            {
                Write(1, 1);
            }

            return [.. _bytes];
        }

        private void Flush()
        {
            _bytes.Add((byte)_current);
            if (_current == 0xFF)
            {
                _bytes.Add(0);
            }

            _current = 0;
            _filled = 0;
        }
    }
}
