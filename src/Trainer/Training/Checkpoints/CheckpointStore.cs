using System.Globalization;

namespace KappaFace.MLNet.Trainer.Training.Checkpoints;

/// <summary>
/// The checkpoints of one run in one folder: <c>checkpoint-STEP.kfc</c>, newest kept, older ones
/// pruned, and a damaged newest file skipped in favour of the one before it.
/// </summary>
/// <remarks>
/// One writer per folder. Old files are pruned only after the new one is durable (see
/// <see cref="CheckpointFile.Write"/>), so a crash never leaves the folder without its newest good
/// checkpoint. Temporary files left by a write that was killed are ignored by <see cref="List"/> and
/// deleted by the next <see cref="Save"/>.
/// </remarks>
public sealed class CheckpointStore
{
    private const string Prefix = "checkpoint-";
    private const string Extension = ".kfc";
    private readonly int _keep;

    /// <summary>Uses (and creates) <paramref name="directory"/>, keeping the newest <paramref name="keep"/> files.</summary>
    public CheckpointStore(string directory, int keep)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentOutOfRangeException.ThrowIfLessThan(keep, 1);
        Directory = directory;
        _keep = keep;
        System.IO.Directory.CreateDirectory(directory);
    }

    /// <summary>The folder.</summary>
    public string Directory { get; }

    /// <summary>Writes the checkpoint for <paramref name="globalStep"/> and prunes old ones. Returns its path.</summary>
    public string Save(long globalStep, IReadOnlyList<KeyValuePair<string, byte[]>> sections)
    {
        string path = Path.Combine(Directory, Prefix + globalStep.ToString("D10", CultureInfo.InvariantCulture) + Extension);
        CheckpointFile.Write(path, sections);
        foreach (string old in List().Skip(_keep))
        {
            File.Delete(old);
        }
        // Partial files of writes that were killed: never read, so only disk space is at stake.
        foreach (string stray in StrayTemporaryFiles())
        {
            File.Delete(stray);
        }
        return path;
    }

    /// <summary>Checkpoint files (<c>checkpoint-DIGITS.kfc</c> only; temporary files are not checkpoints), newest first.</summary>
    public IReadOnlyList<string> List() =>
        System.IO.Directory.EnumerateFiles(Directory, Prefix + "*" + Extension)
            .Where(path => IsCheckpointName(Path.GetFileName(path)))
            .OrderByDescending(Path.GetFileName, StringComparer.Ordinal)
            .ToList();

    /// <summary>Temporary files of checkpoint writes that did not finish (the writer was killed).</summary>
    public IReadOnlyList<string> StrayTemporaryFiles() =>
        System.IO.Directory.EnumerateFiles(Directory, Prefix + "*" + Extension + CheckpointFile.TemporarySuffix)
            .Where(path => IsCheckpointName(Path.GetFileName(path)[..^CheckpointFile.TemporarySuffix.Length]))
            .ToList();

    /// <summary>
    /// The newest checkpoint that reads and verifies, or null when there is none. Each damaged file
    /// met on the way is reported through <paramref name="onSkipped"/> and left in place for inspection.
    /// </summary>
    public (string Path, Dictionary<string, byte[]> Sections)? LoadNewestValid(Action<CheckpointCorruptException>? onSkipped = null)
    {
        foreach (string path in List())
        {
            try
            {
                return (path, CheckpointFile.Read(path));
            }
            catch (CheckpointCorruptException e)
            {
                onSkipped?.Invoke(e);
            }
        }
        return null;
    }

    /// <summary>The global step in a checkpoint file name (<c>checkpoint-0000000012.kfc</c> gives 12), or null for other names.</summary>
    public static long? StepOf(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string name = Path.GetFileName(path);
        return IsCheckpointName(name)
            ? long.Parse(name.AsSpan(Prefix.Length, name.Length - Prefix.Length - Extension.Length), NumberStyles.None, CultureInfo.InvariantCulture)
            : null;
    }

    // The step is zero-padded, so ordinal order of names is step order.
    private static bool IsCheckpointName(string name) =>
        name.Length > Prefix.Length + Extension.Length
        && name.StartsWith(Prefix, StringComparison.Ordinal)
        && name.EndsWith(Extension, StringComparison.Ordinal)
        && !name.AsSpan(Prefix.Length, name.Length - Prefix.Length - Extension.Length).ContainsAnyExceptInRange('0', '9');
}
