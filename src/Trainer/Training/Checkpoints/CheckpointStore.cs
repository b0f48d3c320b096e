using System.Globalization;

namespace KappaFace.MLNet.Trainer.Training.Checkpoints;

/// <summary>
/// The checkpoints of one run in one folder: <c>checkpoint-STEP.kfc</c>, newest kept, older ones
/// pruned, and a damaged newest file skipped in favour of the one before it.
/// </summary>
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
        return path;
    }

    /// <summary>Checkpoint files, newest first.</summary>
    public IReadOnlyList<string> List() =>
        System.IO.Directory.EnumerateFiles(Directory, Prefix + "*" + Extension)
            .OrderByDescending(Path.GetFileName, StringComparer.Ordinal)
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
}
