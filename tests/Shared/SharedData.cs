namespace KappaFace.MLNet.Tests.Shared;

/// <summary>
/// Finds the optional real face data: the folder named by <c>$KAPPAFACE_DATA</c>, else <c>shared/data</c>
/// next to the repository root or above it (a git worktree sits deeper than the main checkout, so every
/// ancestor is tried). <c>KAPPAFACE_DATA=none</c> (or any folder that does not exist) hides the data, to
/// run the suite as a fresh clone does. README.md (Tests) says how to obtain the data sets.
/// </summary>
internal static class SharedData
{
    private static readonly Lazy<string?> Root = new(FindRoot);
    private static readonly Lazy<string?> Repository = new(FindRepository);

    /// <summary>The repository root (the folder holding KappaFace.MLNet.sln above the running binaries), or null.</summary>
    public static string? RepositoryRoot => Repository.Value;

    /// <summary>The shared data folder, or null when it is not on this machine.</summary>
    public static string? Directory => Root.Value;

    /// <summary>The path of a data set (e.g. celeba-dev), or null when absent.</summary>
    public static string? DataSet(string name)
    {
        if (Directory is null)
        {
            return null;
        }

        string path = Path.Combine(Directory, name);
        return System.IO.Directory.Exists(path) ? path : null;
    }

    /// <summary>The path of a pretrained model (e.g. retinaface-mnet025.onnx, in a <c>models</c> folder beside the data folder; docs/alignment.md says where detectors come from), or null when absent.</summary>
    public static string? Model(string fileName)
    {
        string? parent = Directory is null ? null : Path.GetDirectoryName(Path.GetFullPath(Directory));
        string? path = parent is null ? null : Path.Combine(parent, "models", fileName);
        return path is not null && File.Exists(path) ? path : null;
    }

    /// <summary>A skip reason for tests that need a shared model.</summary>
    public static string MissingModelReason(string fileName) =>
        $"Pretrained model '{fileName}' not found (looked for ../shared/models beside the shared data).";

    /// <summary>A skip reason for tests that need the data set.</summary>
    public static string MissingReason(string name) =>
        $"Real face data set '{name}' not found (set KAPPAFACE_DATA to a folder holding it, or place it in shared/data next to the repository; see README.md, Tests).";

    private static string? FindRoot()
    {
        string? overridden = Environment.GetEnvironmentVariable("KAPPAFACE_DATA");
        if (!string.IsNullOrEmpty(overridden))
        {
            // Set means "only there": a missing folder (e.g. "none") hides the data instead of falling back.
            return System.IO.Directory.Exists(overridden) ? Path.GetFullPath(overridden) : null;
        }

        for (DirectoryInfo? ancestor = RepositoryRoot is { } root ? new DirectoryInfo(root).Parent : null; ancestor is not null; ancestor = ancestor.Parent)
        {
            string candidate = Path.Combine(ancestor.FullName, "shared", "data");
            if (System.IO.Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static string? FindRepository()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "KappaFace.MLNet.sln")))
            {
                return dir.FullName;
            }
        }

        return null;
    }
}
