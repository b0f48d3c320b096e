using System.Globalization;

namespace KappaFace.MLNet.Data;

/// <summary>
/// Reads verification pairs files (docs/verification.md, "Data formats") in either format:
/// <list type="bullet">
/// <item><description><b>Paths</b>: one pair per line, <c>PATH_A PATH_B LABEL</c>; paths relative to
/// the image folder (or absolute); LABEL 1 = same identity, 0 = different.</description></item>
/// <item><description><b>LFW</b> (<c>pairs.txt</c>): <c>name i j</c> (same identity) and
/// <c>name1 i name2 j</c> (different), indices from 1, after an optional first line
/// <c>FOLDS&lt;TAB&gt;N</c> that declares FOLDS sets of N same then N different pairs. Image
/// <c>i</c> of <c>name</c> is <c>name/name_000i.&lt;ext&gt;</c> (the index zero-padded to four digits,
/// e.g. <c>id07201/id07201_0003.jpg</c>); the extension is the one found on disk.</description></item>
/// </list>
/// </summary>
/// <remarks>
/// Fields are separated by tabs when a line contains a tab (so paths may contain spaces), otherwise by
/// runs of spaces. Blank lines are skipped. The format is decided by the first non-blank line: a
/// header (two integers) or a line whose second field is an integer image index means LFW. Every
/// problem is a <see cref="FaceDataException"/> whose <see cref="FaceDataException.Path"/> is the pairs
/// file and whose message names the line number.
/// </remarks>
public static class PairsFile
{
    /// <summary>
    /// Parses a pairs file and resolves every image against <paramref name="imageFolder"/>, checking that
    /// it exists.
    /// </summary>
    /// <param name="pairsFile">The pairs file.</param>
    /// <param name="imageFolder">The image folder the paths and identity names refer to.</param>
    /// <returns>The pairs, in file order, with full image paths.</returns>
    /// <exception cref="FaceDataException">The file or folder is missing, or a line is malformed, names a
    /// missing image, or disagrees with the fold header.</exception>
    public static FacePairsFile Read(string pairsFile, string imageFolder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pairsFile);
        ArgumentException.ThrowIfNullOrWhiteSpace(imageFolder);
        string file = Path.GetFullPath(pairsFile);
        string folder = Path.GetFullPath(imageFolder);
        if (!File.Exists(file))
        {
            throw new FaceDataException(file, "pairs file not found");
        }

        if (!Directory.Exists(folder))
        {
            throw new FaceDataException(folder, "image folder not found (the pairs file's images are looked up in it)");
        }

        string[] lines;
        try
        {
            lines = File.ReadAllLines(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FaceDataException(file, "cannot be read: " + e.Message, e);
        }

        return new Parser(file, folder).Parse(lines);
    }

    /// <summary>The image files of one LFW identity folder, by the index in their names (<c>name_0003.jpg</c> is 3).</summary>
    private sealed class IdentityImages
    {
        private readonly Dictionary<int, List<string>> _byIndex = [];

        public IdentityImages(string name, string directory)
        {
            Directory = directory;
            Exists = System.IO.Directory.Exists(directory);
            if (!Exists)
            {
                return;
            }

            string prefix = name + "_";
            foreach (string path in System.IO.Directory.EnumerateFiles(directory))
            {
                if (!ImageFolder.IsImageFile(path))
                {
                    continue;
                }

                string stem = Path.GetFileNameWithoutExtension(path);
                if (!stem.StartsWith(prefix, StringComparison.Ordinal))
                {
                    continue;
                }

                string digits = stem[prefix.Length..];
                if (digits.Length == 0 || !digits.All(char.IsAsciiDigit)
                    || !int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out int index))
                {
                    continue;
                }

                if (!_byIndex.TryGetValue(index, out List<string>? list))
                {
                    _byIndex[index] = list = [];
                }

                list.Add(path);
            }

            foreach (List<string> list in _byIndex.Values)
            {
                list.Sort(StringComparer.Ordinal);
            }
        }

        public string Directory { get; }

        public bool Exists { get; }

        /// <summary>The files numbered <paramref name="index"/>: the canonical 4-digit names first.</summary>
        public List<string> Find(int index, string name)
        {
            if (!_byIndex.TryGetValue(index, out List<string>? files))
            {
                return [];
            }

            string canonical = $"{name}_{index.ToString("D4", CultureInfo.InvariantCulture)}";
            var exact = files.Where(f => Path.GetFileNameWithoutExtension(f) == canonical).ToList();
            return exact.Count > 0 ? exact : files;
        }
    }

    private sealed class Parser(string file, string folder)
    {
        private readonly Dictionary<string, IdentityImages> _identities = new(StringComparer.Ordinal);
        private PairsFileFormat? _format;

        public FacePairsFile Parse(string[] lines)
        {
            int? foldCount = null;
            int? pairsPerLabel = null;
            var entries = new List<FacePairEntry>();
            bool first = true;
            for (int i = 0; i < lines.Length; i++)
            {
                int lineNumber = i + 1;
                string[] fields = Split(lines[i]);
                if (fields.Length == 0)
                {
                    continue;
                }

                if (first)
                {
                    first = false;
                    if (IsHeader(fields))
                    {
                        foldCount = PositiveInt(fields[0], lineNumber, "fold count");
                        pairsPerLabel = PositiveInt(fields[1], lineNumber, "pairs per label and fold");
                        _format = PairsFileFormat.Lfw;
                        continue;
                    }

                    _format = LooksLikeLfw(fields) ? PairsFileFormat.Lfw : PairsFileFormat.Paths;
                }
                else if (IsHeader(fields))
                {
                    // Two integers can only be a fold header, and only the first line may hold one (two
                    // pairs files pasted together, or a header in the middle).
                    throw Bad(lineNumber, foldCount is null
                        ? $"'{string.Join(' ', fields)}' looks like a fold header (FOLDS N), which is only allowed on the first line"
                        : $"a second fold header ('{string.Join(' ', fields)}'); the first line already declared {foldCount} folds of {pairsPerLabel}");
                }

                entries.Add(_format == PairsFileFormat.Lfw ? LfwEntry(fields, lineNumber) : PathsEntry(fields, lineNumber));
            }

            if (entries.Count == 0)
            {
                throw new FaceDataException(file, lines.All(string.IsNullOrWhiteSpace)
                    ? "holds no pairs: the file is empty or blank"
                    : "holds no pairs: it has only a fold header");
            }

            if (foldCount is { } folds && pairsPerLabel is { } perLabel)
            {
                entries = AssignFolds(entries, folds, perLabel);
            }

            return new FacePairsFile(file, folder, _format!.Value, foldCount, pairsPerLabel, entries.AsReadOnly());
        }

        private static string[] Split(string line)
        {
            string trimmed = line.Trim();
            if (trimmed.Length == 0)
            {
                return [];
            }

            return trimmed.Contains('\t', StringComparison.Ordinal)
                ? trimmed.Split('\t', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                : trimmed.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        }

        private static bool IsHeader(string[] fields) =>
            fields.Length == 2 && IsInteger(fields[0]) && IsInteger(fields[1]);

        // A line whose image fields are integers is LFW; PATH_A PATH_B LABEL has a path in field 2.
        private static bool LooksLikeLfw(string[] fields) =>
            (fields.Length == 3 && IsInteger(fields[1]) && IsInteger(fields[2]))
            || (fields.Length == 4 && IsInteger(fields[1]) && IsInteger(fields[3]));

        private static bool IsInteger(string field) =>
            field.Length > 0 && field.All(char.IsAsciiDigit);

        private int PositiveInt(string field, int lineNumber, string what)
        {
            if (IsInteger(field) && int.TryParse(field, NumberStyles.None, CultureInfo.InvariantCulture, out int value) && value > 0)
            {
                return value;
            }

            throw Bad(lineNumber, $"{what} '{field}' is not a positive integer");
        }

        private FacePairEntry PathsEntry(string[] fields, int lineNumber)
        {
            if (fields.Length != 3)
            {
                throw Bad(lineNumber, $"expected 3 fields (PATH_A PATH_B LABEL), found {fields.Length}");
            }

            bool same = fields[2] switch
            {
                "1" => true,
                "0" => false,
                _ => throw Bad(lineNumber, $"label '{fields[2]}' must be 1 (same identity) or 0 (different)"),
            };
            return new FacePairEntry(ResolvePath(fields[0], lineNumber), ResolvePath(fields[1], lineNumber), same, null, lineNumber);
        }

        private string ResolvePath(string relative, int lineNumber)
        {
            string full;
            try
            {
                full = Path.GetFullPath(Path.Combine(folder, relative));
            }
            catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
            {
                throw Bad(lineNumber, $"image path '{Printable(relative)}' is not a valid path ({e.Message})");
            }

            return File.Exists(full)
                ? full
                : throw Bad(lineNumber, $"image '{relative}' not found (looked for {full})");
        }

        private FacePairEntry LfwEntry(string[] fields, int lineNumber)
        {
            switch (fields.Length)
            {
                case 3:
                {
                    int i = PositiveInt(fields[1], lineNumber, "image index");
                    int j = PositiveInt(fields[2], lineNumber, "image index");
                    return new FacePairEntry(ResolveLfw(fields[0], i, lineNumber), ResolveLfw(fields[0], j, lineNumber), true, null, lineNumber);
                }

                case 4:
                {
                    int i = PositiveInt(fields[1], lineNumber, "image index");
                    int j = PositiveInt(fields[3], lineNumber, "image index");
                    return new FacePairEntry(ResolveLfw(fields[0], i, lineNumber), ResolveLfw(fields[2], j, lineNumber), false, null, lineNumber);
                }

                default:
                    throw Bad(lineNumber, $"expected 3 fields (name i j) or 4 fields (name1 i name2 j) in LFW format, found {fields.Length}");
            }
        }

        private string ResolveLfw(string name, int index, int lineNumber)
        {
            if (!_identities.TryGetValue(name, out IdentityImages? images))
            {
                images = new IdentityImages(name, Path.Combine(folder, name));
                _identities[name] = images;
            }

            string expected = $"{name}/{name}_{index.ToString("D4", CultureInfo.InvariantCulture)}.<{string.Join('|', ImageFolder.ImageExtensions.Order(StringComparer.Ordinal).Select(e => e[1..]))}>";
            if (!images.Exists)
            {
                throw Bad(lineNumber, $"identity folder '{name}' not found in {folder} (looked for {expected})");
            }

            List<string> found = images.Find(index, name);
            return found.Count switch
            {
                1 => found[0],
                0 => throw Bad(lineNumber, $"image {index} of '{name}' not found (looked for {expected} in {folder})"),
                _ => throw Bad(lineNumber, $"image {index} of '{name}' is ambiguous: {string.Join(", ", found.Select(Path.GetFileName))}"),
            };
        }

        private List<FacePairEntry> AssignFolds(List<FacePairEntry> entries, int folds, int perLabel)
        {
            long expected = (long)folds * perLabel * 2;
            if (entries.Count != expected)
            {
                throw new FaceDataException(
                    file,
                    $"line 1: the header declares {folds} folds of {perLabel} same and {perLabel} different pairs ({expected} pairs), "
                    + $"but the file holds {entries.Count} pairs");
            }

            var result = new List<FacePairEntry>(entries.Count);
            for (int k = 0; k < entries.Count; k++)
            {
                int fold = (int)(k / (2L * perLabel));
                result.Add(entries[k] with { Fold = fold });
            }

            // Each set holds N same then N different pairs; a set with other counts means the header is wrong.
            for (int f = 0; f < folds; f++)
            {
                int sameCount = result.Skip(f * 2 * perLabel).Take(2 * perLabel).Count(e => e.Same);
                if (sameCount != perLabel)
                {
                    FacePairEntry firstOfFold = result[f * 2 * perLabel];
                    throw new FaceDataException(
                        file,
                        $"line {firstOfFold.LineNumber}: fold {f} (lines {firstOfFold.LineNumber}-{result[((f + 1) * 2 * perLabel) - 1].LineNumber}) "
                        + $"holds {sameCount} same-identity pairs; the header declares {perLabel} same and {perLabel} different per fold");
                }
            }

            return result;
        }

        // Control characters (a NUL from a binary file) would garble the one-line error.
        private static string Printable(string text) =>
            string.Concat(text.Select(c => char.IsControl(c) ? $"\\u{(int)c:X4}" : c.ToString()));

        private FaceDataException Bad(int lineNumber, string what) =>
            new(file, $"line {lineNumber}: {what}");
    }
}
