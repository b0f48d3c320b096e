using KappaFace.MLNet.Tests.Shared;
using KappaFace.MLNet.Data;
using SkiaSharp;

namespace KappaFace.MLNet.Data.Tests;

/// <summary>
/// A temporary image folder with one of each kind of bad input, recording as it writes each file what the
/// loader must make of it, so the tests compare the report with what was built, not with the loader's output.
/// </summary>
/// <remarks>
/// alice: good 1.png, 2.png; 2b.png byte-identical to 2.png; empty.jpg (0 bytes); half.jpg (truncated);
/// notes.png (text); tiff-inside.jpg (TIFF bytes); anim.gif and scan.tiff (extensions not loaded).
/// bob: good 1.png; grey.png, deep.png (16-bit), alpha.png (transparent), cmyk.jpg (converted); tiny.png
/// (4x4); caf&lt;0xE9&gt;.png (name not UTF-8, when the file system allows it).
/// carol: empty folder. dave: one image. erin and frank: two own images each and one shared byte-identical
/// picture. gina: only a zero-byte file.
/// </remarks>
internal sealed class BrokenFaceFolder : IDisposable
{
    public const int Side = 24;

    private readonly TempFolder _temp = new();
    private readonly List<(FaceDataIssueKind Kind, string Path)> _expected = [];
    private readonly List<(string Identity, string Path)> _usable = [];

    public BrokenFaceFolder(bool withNonUtf8Name = true)
    {
        Good("alice/1.png", 1);
        string second = Good("alice/2.png", 2);
        Expect(FaceDataIssueKind.Duplicate, _temp.Bytes("alice/2b.png", File.ReadAllBytes(second)));
        Expect(FaceDataIssueKind.ZeroByte, _temp.Bytes("alice/empty.jpg", []));
        byte[] jpeg = TempFolder.Encode(Side, Side, (x, y) => new SKColor((byte)(x * 9), (byte)(y * 9), 77), SKEncodedImageFormat.Jpeg);
        Expect(FaceDataIssueKind.Corrupt, _temp.Bytes("alice/half.jpg", jpeg[..(jpeg.Length / 2)]));
        Expect(FaceDataIssueKind.NotAnImage, _temp.Bytes("alice/notes.png", "these are not pixels\n"u8.ToArray()));
        Expect(FaceDataIssueKind.UnsupportedFormat, _temp.Bytes("alice/tiff-inside.jpg", [.. "II*\0"u8, 8, 0, 0, 0, 0, 0]));
        Expect(FaceDataIssueKind.Ignored, _temp.Bytes("alice/anim.gif", [.. "GIF89a"u8, 1, 0, 1, 0]));
        Expect(FaceDataIssueKind.Ignored, _temp.Bytes("alice/scan.tiff", [.. "II*\0"u8, 8, 0, 0, 0]));

        Good("bob/1.png", 3);
        Converted("bob/grey.png", HandEncodedImages.Png(Side, Side, HandEncodedImages.Grey, 8, (_, _, _) => GreyLevel));
        Converted("bob/deep.png", HandEncodedImages.Png(Side, Side, HandEncodedImages.Rgb, 16, (_, _, c) => DeepSamples[c]));
        Converted("bob/alpha.png", HandEncodedImages.Png(Side, Side, HandEncodedImages.Rgba, 8, (_, _, c) => AlphaColour[c]));
        Converted("bob/cmyk.jpg", HandEncodedImages.FlatJpeg(Side, Side, 30, 120, 200, 10));
        Expect(FaceDataIssueKind.TooSmall, _temp.Bytes("bob/tiny.png", HandEncodedImages.RgbPng(4, 4, (x, y) => ((byte)x, (byte)y, 9))));
        if (withNonUtf8Name)
        {
            string plain = _temp.Bytes("bob/renamed.png", HandEncodedImages.RgbPng(Side, Side, (x, y) => ((byte)(x + 100), (byte)y, 1)));
            NonUtf8Path = NonUtf8FileName.TryRename(plain, out string? reason);
            NonUtf8SkipReason = reason;
            if (NonUtf8Path is not null)
            {
                Expect(FaceDataIssueKind.Unreadable, NonUtf8Path);
            }
            else
            {
                File.Delete(plain); // not renamed: it would be one more good image
            }
        }

        Expect(FaceDataIssueKind.EmptyIdentity, _temp.Folder("carol"));
        Good("dave/only.png", 4);
        Expect(FaceDataIssueKind.SingleImageIdentity, Path.Combine(_temp.Path, "dave"));
        byte[] shared = HandEncodedImages.RgbPng(Side, Side, (x, y) => ((byte)(x * 5), 250, (byte)(y * 5)));
        Good("erin/own1.png", 5);
        Good("erin/own2.png", 6);
        Expect(FaceDataIssueKind.CrossIdentityDuplicate, _temp.Bytes("erin/shared.png", shared));
        Good("frank/own1.png", 7);
        Good("frank/own2.png", 8);
        Expect(FaceDataIssueKind.CrossIdentityDuplicate, _temp.Bytes("frank/shared.png", shared));
        Expect(FaceDataIssueKind.ZeroByte, _temp.Bytes("gina/only.jpg", []));
        Expect(FaceDataIssueKind.IdentityWithoutImages, Path.Combine(_temp.Path, "gina"));
    }

    /// <summary>The grey level of bob/grey.png.</summary>
    public const int GreyLevel = 93;

    /// <summary>The 16-bit RGB samples of bob/deep.png.</summary>
    public static readonly int[] DeepSamples = [0xC8F0, 0x6410, 0x3300];

    /// <summary>The RGBA of bob/alpha.png: half-transparent.</summary>
    public static readonly int[] AlphaColour = [200, 100, 50, 128];

    public string Root => _temp.Path;

    /// <summary>The file with a name that is not UTF-8, as .NET lists it, or null when it could not be made.</summary>
    public string? NonUtf8Path { get; }

    public string? NonUtf8SkipReason { get; }

    /// <summary>Every issue the loader must report under Skip: kind and path.</summary>
    public IReadOnlyList<(FaceDataIssueKind Kind, string Path)> Expected => _expected;

    /// <summary>The files that must be used, in label order, with their identity.</summary>
    public IReadOnlyList<(string Identity, string Path)> Usable =>
        [.. _usable.OrderBy(u => u.Identity, StringComparer.Ordinal).ThenBy(u => u.Path, StringComparer.Ordinal)];

    /// <summary>The number of image files (known extensions) in identity folders.</summary>
    public int ImageFiles => Directory.EnumerateDirectories(Root).SelectMany(Directory.EnumerateFiles).Count(ImageFolder.IsImageFile);

    public string PathOf(string relative) => Path.Combine(Root, relative);

    public void Dispose() => _temp.Dispose();

    private string Good(string relative, int seed)
    {
        string path = _temp.Bytes(relative, HandEncodedImages.RgbPng(Side, Side, (x, y) => ((byte)(seed * 20), (byte)(x * 10), (byte)(y * 10))));
        _usable.Add((relative.Split('/')[0], path));
        return path;
    }

    private void Converted(string relative, byte[] content)
    {
        string path = _temp.Bytes(relative, content);
        _usable.Add((relative.Split('/')[0], path));
        Expect(FaceDataIssueKind.Converted, path);
    }

    private void Expect(FaceDataIssueKind kind, string path) => _expected.Add((kind, path));
}
