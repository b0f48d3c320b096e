namespace KappaFace.MLNet.Data;

/// <summary>The two formats of a pairs file (docs/verification.md, "Data formats").</summary>
public enum PairsFileFormat
{
    /// <summary><c>PATH_A PATH_B LABEL</c> lines.</summary>
    Paths,

    /// <summary>LFW <c>pairs.txt</c>: <c>name i j</c> and <c>name1 i name2 j</c> lines, optional fold header.</summary>
    Lfw,
}

/// <summary>One pair of a pairs file, with its images resolved to full paths.</summary>
/// <param name="PathA">The full path of the first image.</param>
/// <param name="PathB">The full path of the second image.</param>
/// <param name="Same">True when both images show the same identity.</param>
/// <param name="Fold">The fold (set) of the pair, 0-based, when the file declares folds; otherwise null.</param>
/// <param name="LineNumber">The 1-based line of the file the pair comes from.</param>
public sealed record FacePairEntry(string PathA, string PathB, bool Same, int? Fold, int LineNumber);

/// <summary>A parsed pairs file (see <see cref="PairsFile.Read"/>).</summary>
public sealed class FacePairsFile
{
    internal FacePairsFile(string path, string imageFolder, PairsFileFormat format, int? foldCount, int? pairsPerLabel, IReadOnlyList<FacePairEntry> pairs)
    {
        Path = path;
        ImageFolder = imageFolder;
        Format = format;
        FoldCount = foldCount;
        PairsPerFoldAndLabel = pairsPerLabel;
        Pairs = pairs;
    }

    /// <summary>The full path of the pairs file.</summary>
    public string Path { get; }

    /// <summary>The full path of the image folder the pairs were resolved against.</summary>
    public string ImageFolder { get; }

    /// <summary>The format found.</summary>
    public PairsFileFormat Format { get; }

    /// <summary>The number of folds declared by an LFW header (<c>FOLDS&lt;TAB&gt;N</c>), or null without one.</summary>
    public int? FoldCount { get; }

    /// <summary>N of the LFW header: same pairs (and different pairs) per fold, or null without a header.</summary>
    public int? PairsPerFoldAndLabel { get; }

    /// <summary>True when every pair has a <see cref="FacePairEntry.Fold"/>.</summary>
    public bool HasFolds => FoldCount is not null;

    /// <summary>The pairs in file order.</summary>
    public IReadOnlyList<FacePairEntry> Pairs { get; }
}
