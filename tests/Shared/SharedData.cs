namespace KappaFace.MLNet.Tests.Shared;

/// <summary>
/// Locates the read-only face data in ../shared/data beside the repository. Tests that need it skip
/// with this reason when it is absent; nothing is ever written there.
/// </summary>
internal static class SharedData
{
    private static readonly Lazy<string?> s_root = new(Find);

    /// <summary>The shared data folder, or null when this checkout has none beside it.</summary>
    public static string? Root => s_root.Value;

    /// <summary>celeba-dev (175 identities, 2083 112x112 JPEG crops), or null.</summary>
    public static string? CelebaDev => Sub("celeba-dev");

    /// <summary>yaleb-cropped (38 identities, greyscale PNG), or null.</summary>
    public static string? YaleB => Sub("yaleb-cropped");

    /// <summary>Why a test that needs the data was skipped.</summary>
    public const string MissingReason = "../shared/data is not present beside this checkout; real-face tests are skipped.";

    private static string? Sub(string name) =>
        Root is { } root && Directory.Exists(Path.Combine(root, name)) ? Path.Combine(root, name) : null;

    private static string? Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "KappaFace.MLNet.sln")))
            {
                string candidate = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "data"));
                return Directory.Exists(candidate) ? candidate : null;
            }
        }
        return null;
    }
}
