using System.Text;
using KappaFace.MLNet.Tests.Shared;
using KappaFace.MLNet.Data;
using Xunit;

namespace KappaFace.MLNet.Data.Tests;

/// <summary>
/// Seeded fuzzing of the data readers: random bytes and random lines to the pairs parser, random folder
/// trees to the scanner and the check. Only <see cref="FaceDataException"/> may escape; anything else fails
/// with the seed and the input.
/// </summary>
public class DataFuzzTests
{
    private const int Iterations = 300;

    // Tokens that make near-valid lines: known names and paths, numbers at the edges, separators, junk.
    private static readonly string[] Tokens =
    [
        "a", "b", "zz", "a/1.png", "b/b_0001.png", "a/a_0002.png", "../a/1.png", "/etc/passwd", "a/", "1", "2", "0", "-1", "3",
        "99999999999", "1.0", "", " ", "\t", "\t\t", "7\t300", "é", "\0", "a\0b", "\uFFFD", "name with space", "#", "\"", "2\t1",
    ];

    [Fact]
    public void Pairs_parser_throws_only_face_data_exceptions_that_name_the_file_and_line()
    {
        using var temp = new TempFolder();
        string folder = temp.Folder("images");
        foreach (string relative in new[] { "a/1.png", "a/a_0001.png", "a/a_0002.png", "b/b_0001.png", "b/b_0002.png" })
        {
            temp.Bytes(Path.Combine("images", relative), HandEncodedImages.RgbPng(4, 4, (x, y) => ((byte)x, (byte)y, 3)));
        }

        string pairs = Path.Combine(temp.Path, "pairs.txt");
        for (int seed = 0; seed < Iterations; seed++)
        {
            var random = new Random(seed);
            byte[] content = (seed % 3) switch
            {
                0 => RandomBytes(random),
                1 => Encoding.UTF8.GetBytes(RandomLines(random)),
                _ => Encoding.UTF8.GetBytes(NearValidLines(random)),
            };
            File.WriteAllBytes(pairs, content);
            int lineCount = Encoding.UTF8.GetString(content).Split('\n').Length;
            try
            {
                PairsFile.Read(pairs, folder);
            }
            catch (FaceDataException e)
            {
                Assert.True(e.Path == pairs, Describe(seed, content, e));
                bool namesLine = e.Reason.StartsWith("line ", StringComparison.Ordinal)
                    && int.TryParse(e.Reason.AsSpan(5, e.Reason.IndexOf(':', StringComparison.Ordinal) - 5), out int line)
                    && line >= 1 && line <= lineCount;
                Assert.True(namesLine || e.Reason.StartsWith("holds no pairs", StringComparison.Ordinal), Describe(seed, content, e));
            }
            catch (Exception e)
            {
                Assert.Fail(Describe(seed, content, e));
            }
        }
    }

    [Fact]
    public void Scanner_and_check_throw_only_face_data_exceptions_and_account_for_every_image()
    {
        using var temp = new TempFolder();
        int checkedUnderSkip = 0;
        for (int seed = 0; seed < Iterations; seed++)
        {
            var random = new Random(seed);
            string root = temp.Folder($"tree{seed}");
            string tree = BuildRandomTree(random, root);
            foreach (BadImagePolicy policy in new[] { BadImagePolicy.Skip, BadImagePolicy.Fail })
            {
                try
                {
                    var options = new FaceFolderLoadOptions { OnBadImage = policy };
                    (ImageFolderScan usable, FaceDataReport report) = FaceFolderCheck.Run(root, options);
                    AssertAccountsForEveryImage(root, usable, report, $"seed {seed}, {policy}:\n{tree}");
                    checkedUnderSkip += policy == BadImagePolicy.Skip ? 1 : 0;
                }
                catch (FaceDataException)
                {
                    // Documented: a bad folder or bad input under Fail.
                }
                catch (Exception e)
                {
                    Assert.Fail($"seed {seed}, {policy}: {e.GetType().Name}: {e.Message}\n{tree}\n{e}");
                }
            }

            Directory.Delete(root, recursive: true);
        }

        // Not vacuous: many random trees still hold something usable, and their accounting was checked.
        Assert.InRange(checkedUnderSkip, Iterations / 10, Iterations);
    }

    private static void AssertAccountsForEveryImage(string root, ImageFolderScan usable, FaceDataReport report, string context)
    {
        var used = usable.Identities.SelectMany(i => i.Images).ToHashSet(StringComparer.Ordinal);
        var leftOut = report.Issues
            .Where(i => i.Action is FaceDataAction.Skipped or FaceDataAction.Dropped && File.Exists(i.Path))
            .Select(i => i.Path)
            .ToList();
        Assert.True(used.Count == report.ImagesUsed, context);
        Assert.True(leftOut.Count == leftOut.Distinct().Count(), $"a file is left out twice\n{context}");
        Assert.True(!leftOut.Any(used.Contains), $"a file is both used and left out\n{context}");
        int imageFiles = Directory.EnumerateDirectories(root).Where(d => !Path.GetFileName(d).StartsWith('.'))
            .SelectMany(Directory.EnumerateFiles).Count(ImageFolder.IsImageFile);
        Assert.True(imageFiles == report.ImagesFound && imageFiles == used.Count + leftOut.Count, $"{imageFiles} image files, {used.Count} used, {leftOut.Count} left out\n{context}");
    }

    private static string BuildRandomTree(Random random, string root)
    {
        string[] identities = ["a", "b", "a b", "ü", ".hidden", "Z", "id_1"];
        string[] extensions = [".png", ".jpg", ".JPG", ".webp", ".gif", ".txt", string.Empty];
        var log = new StringBuilder();
        var written = new List<byte[]>();
        int identityCount = random.Next(0, 5);
        for (int i = 0; i < identityCount; i++)
        {
            string identity = identities[random.Next(identities.Length)];
            string directory = Path.Combine(root, identity);
            Directory.CreateDirectory(directory);
            int files = random.Next(0, 5);
            for (int f = 0; f < files; f++)
            {
                string name = $"f{random.Next(10)}{extensions[random.Next(extensions.Length)]}";
                byte[] content = RandomFileContent(random, written);
                File.WriteAllBytes(Path.Combine(directory, name), content);
                written.Add(content);
                log.AppendLine($"  {identity}/{name}: {content.Length} bytes, {Convert.ToHexString(content.AsSpan(0, Math.Min(8, content.Length)))}");
            }

            if (random.Next(6) == 0)
            {
                Directory.CreateDirectory(Path.Combine(directory, "nested"));
                log.AppendLine($"  {identity}/nested/");
            }
        }

        if (random.Next(4) == 0)
        {
            File.WriteAllBytes(Path.Combine(root, "top.png"), RandomFileContent(random, written));
            log.AppendLine("  top.png");
        }

        return log.ToString();
    }

    private static byte[] RandomFileContent(Random random, List<byte[]> written)
    {
        // Sides from 8 so some images are too small (below 16) and most are not.
        byte[] png = HandEncodedImages.RgbPng(random.Next(8, 40), random.Next(8, 40), (x, y) => ((byte)random.Next(256), (byte)x, (byte)y));
        switch (random.Next(9))
        {
            case 0 or 7 or 8: return png;
            case 1: return png[..random.Next(1, png.Length)]; // truncated
            case 2: return [];
            case 3: return RandomBytes(random);
            case 4: return Encoding.UTF8.GetBytes(RandomLines(random));
            case 5: return written.Count > 0 ? written[random.Next(written.Count)] : png; // duplicate
            case 6:
                byte[] mutated = png.ToArray();
                mutated[random.Next(mutated.Length)] ^= (byte)(1 << random.Next(8));
                return mutated;
            default: throw new InvalidOperationException("unreachable");
        }
    }

    private static byte[] RandomBytes(Random random)
    {
        var bytes = new byte[random.Next(0, 200)];
        random.NextBytes(bytes);
        return bytes;
    }

    private static string RandomLines(Random random)
    {
        var text = new StringBuilder();
        int lines = random.Next(0, 8);
        for (int l = 0; l < lines; l++)
        {
            int fields = random.Next(0, 7);
            for (int f = 0; f < fields; f++)
            {
                text.Append(Tokens[random.Next(Tokens.Length)]);
                text.Append(random.Next(3) == 0 ? '\t' : ' ');
            }

            text.Append(random.Next(5) == 0 ? "\r\n" : "\n");
        }

        return text.ToString();
    }

    // Well-formed lines of either format with one field swapped for a random token, so the parser gets
    // past the format checks and into resolving names, indices and paths.
    private static string NearValidLines(Random random)
    {
        string[][] templates =
        [
            ["a/1.png", "b/b_0001.png", "0"],
            ["a/a_0001.png", "a/a_0002.png", "1"],
            ["a", "1", "2"],
            ["a", "1", "b", "2"],
        ];
        var text = new StringBuilder();
        if (random.Next(4) == 0)
        {
            text.Append("1\t2\n");
        }

        for (int l = random.Next(1, 6); l > 0; l--)
        {
            string[] fields = templates[random.Next(templates.Length)].ToArray();
            if (random.Next(3) != 0)
            {
                fields[random.Next(fields.Length)] = Tokens[random.Next(Tokens.Length)];
            }

            text.AppendJoin(random.Next(2) == 0 ? '\t' : ' ', fields).Append('\n');
        }

        return text.ToString();
    }

    private static string Describe(int seed, byte[] content, Exception e) =>
        $"seed {seed}: {e.GetType().Name}: {e.Message}\ninput (UTF-8, escaped): {Escape(Encoding.UTF8.GetString(content))}\n{e}";

    private static string Escape(string text) =>
        string.Concat(text.Select(c => char.IsControl(c) && c != '\n' ? $"\\u{(int)c:X4}" : c.ToString()));
}
