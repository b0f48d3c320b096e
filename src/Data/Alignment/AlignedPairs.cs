using System.Globalization;
using System.Text;
using KappaFace.MLNet.Onnx;

namespace KappaFace.MLNet.Data.Alignment;

/// <summary>
/// Carries a data folder's pairs file into its aligned folder so that it names only crops that exist. It is
/// copied byte for byte when every pair's photos have a crop of the same name (LFW format and folds kept).
/// Otherwise (<see cref="FaceSelection.All"/> renames crops to <c>name_faceK</c>, or a photo was skipped) it
/// is rewritten as <c>PATH_A&lt;TAB&gt;PATH_B&lt;TAB&gt;LABEL</c> lines: a photo stands for its best-scoring
/// face (the crop <see cref="FaceSelection.Best"/> would have written) and pairs naming a photo without a crop
/// are left out and counted. That format has no folds, so LFW folds are reported as lost.
/// </summary>
internal static class AlignedPairs
{
    /// <summary>Writes <paramref name="source"/>'s counterpart into <paramref name="output"/>.</summary>
    /// <param name="source">The data folder's pairs file.</param>
    /// <param name="root">The data folder.</param>
    /// <param name="output">The aligned folder.</param>
    /// <param name="cropOf">The first (best) crop of each aligned photo, both relative with '/' separators.</param>
    /// <param name="renamed">Crops carry other names than their photos (<see cref="FaceSelection.All"/>).</param>
    public static PairsFileOutcome Write(string source, string root, string output, IReadOnlyDictionary<string, string> cropOf, bool renamed)
    {
        string target = Path.Combine(output, FolderAligner.PairsFileName);
        FacePairsFile pairs;
        try
        {
            pairs = PairsFile.Read(source, root);
        }
        catch (FaceDataException e)
        {
            if (!renamed)
            {
                AtomicFile.Write(target, File.ReadAllBytes(source));
                return new PairsFileOutcome(PairsFileAction.Copied, 0, 0, false, $"copied as it is; it could not be read as a pairs file ({e.Reason})");
            }

            return new PairsFileOutcome(PairsFileAction.NotWritten, 0, 0, false,
                $"not written: it could not be read as a pairs file ({e.Reason}), so its names cannot be mapped to the _face1 crops");
        }

        var lines = new StringBuilder();
        int kept = 0;
        foreach (var pair in pairs.Pairs)
        {
            if (cropOf.TryGetValue(Relative(root, pair.PathA), out string? a) && cropOf.TryGetValue(Relative(root, pair.PathB), out string? b))
            {
                lines.Append(a).Append('\t').Append(b).Append('\t').Append(pair.Same ? '1' : '0').Append('\n');
                kept++;
            }
        }

        int dropped = pairs.Pairs.Count - kept;
        if (!renamed && dropped == 0)
        {
            AtomicFile.Write(target, File.ReadAllBytes(source));
            return new PairsFileOutcome(PairsFileAction.Copied, kept, 0, false, "copied");
        }

        if (kept == 0)
        {
            return new PairsFileOutcome(PairsFileAction.NotWritten, 0, dropped, false, $"not written: each of its {dropped} pairs names a photo without a crop");
        }

        AtomicFile.Write(target, Encoding.UTF8.GetBytes(lines.ToString()));
        string note = string.Create(CultureInfo.InvariantCulture,
            $"rewritten to name the crops{(renamed ? " (each photo's best face, name_face1)" : string.Empty)}: {kept} pairs kept, {dropped} left out for naming a photo without a crop");
        if (pairs.HasFolds)
        {
            note += string.Create(CultureInfo.InvariantCulture, $"; its {pairs.FoldCount} LFW folds are not kept (the PATH_A PATH_B LABEL format has none)");
        }

        return new PairsFileOutcome(PairsFileAction.Rewritten, kept, dropped, pairs.HasFolds, note);
    }

    private static string Relative(string root, string path) => Path.GetRelativePath(root, path).Replace('\\', '/');
}
