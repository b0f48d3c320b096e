using KappaFace.MLNet.Tests.Shared;
using KappaFace.MLNet.Data;
using Xunit;

namespace KappaFace.MLNet.Data.Tests;

/// <summary>Pairs-file errors beyond <see cref="PairsFileTests"/>: misplaced headers, invalid paths, empty files.</summary>
public class PairsFileErrorTests
{
    [Theory]
    [InlineData(new[] { "1\t1", "a 1 2", "2\t1", "a 1 b 1" }, 3, "a second fold header ('2 1'); the first line already declared 1 folds of 1")]
    [InlineData(new[] { "a 1 2", "1\t1" }, 2, "looks like a fold header (FOLDS N), which is only allowed on the first line")]
    [InlineData(new[] { "a/a_0001.png a/a_0002.png 1", "", "7 300" }, 3, "looks like a fold header")]
    [InlineData(new[] { "a/a_0001.png\ta/x\0y.png\t1" }, 1, "image path 'a/x\\u0000y.png' is not a valid path")]
    public void Misplaced_headers_and_invalid_paths_name_the_line(string[] lines, int line, string reason)
    {
        using var temp = new TempFolder();
        string pairs = Write(temp, lines);

        var error = Assert.Throws<FaceDataException>(() => PairsFile.Read(pairs, temp.Path));

        Assert.Equal(pairs, error.Path);
        Assert.StartsWith($"line {line}: ", error.Reason, StringComparison.Ordinal);
        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new string[0], "holds no pairs: the file is empty or blank")]
    [InlineData(new[] { "", "  \t " }, "holds no pairs: the file is empty or blank")]
    [InlineData(new[] { "7\t300" }, "holds no pairs: it has only a fold header")]
    public void A_file_without_pairs_says_why(string[] lines, string reason)
    {
        using var temp = new TempFolder();
        string pairs = Write(temp, lines);

        var error = Assert.Throws<FaceDataException>(() => PairsFile.Read(pairs, temp.Path));

        Assert.Equal(pairs, error.Path);
        Assert.Equal(reason, error.Reason);
    }

    private static string Write(TempFolder temp, string[] lines)
    {
        foreach (string name in new[] { "a/a_0001.png", "a/a_0002.png", "b/b_0001.png" })
        {
            temp.Bytes(name, HandEncodedImages.RgbPng(4, 4, (x, y) => ((byte)x, (byte)y, 5)));
        }

        return temp.Bytes("pairs.txt", System.Text.Encoding.UTF8.GetBytes(string.Join('\n', lines)));
    }
}
