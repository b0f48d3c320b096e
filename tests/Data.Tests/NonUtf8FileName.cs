using System.Diagnostics;

namespace KappaFace.MLNet.Data.Tests;

/// <summary>
/// Gives a file a name that is not valid UTF-8 (the Latin-1 byte 0xE9 of "café"). .NET cannot spell such
/// a name, so the rename runs in /bin/sh, whose printf writes the raw byte.
/// </summary>
internal static class NonUtf8FileName
{
    /// <summary>Moves <paramref name="source"/> to <c>caf&lt;0xE9&gt;.png</c> in its folder; null with a reason when the system refuses.</summary>
    public static string? TryRename(string source, out string? skipReason) => TryRename(source, "caf\\351.png", out skipReason);

    /// <summary>
    /// Moves a file or folder to <paramref name="printfName"/> (a printf format: <c>\351</c> is the byte 0xE9)
    /// in the same folder; returns the new path as .NET lists it, or null with a reason when the system refuses.
    /// </summary>
    public static string? TryRename(string source, string printfName, out string? skipReason)
    {
        skipReason = null;
        if (!OperatingSystem.IsLinux() || !File.Exists("/bin/sh"))
        {
            skipReason = "needs Linux and /bin/sh to create a file name that is not valid UTF-8";
            return null;
        }

        var start = new ProcessStartInfo("/bin/sh") { RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("mv \"$1\" \"$(dirname \"$1\")/$(printf \"$2\")\"");
        start.ArgumentList.Add("sh");
        start.ArgumentList.Add(source);
        start.ArgumentList.Add(printfName);
        using Process shell = Process.Start(start)!;
        string error = shell.StandardError.ReadToEnd();
        shell.WaitForExit();
        if (shell.ExitCode != 0 || File.Exists(source) || Directory.Exists(source))
        {
            skipReason = $"the file system refused a file name that is not valid UTF-8: {error.Trim()}";
            return null;
        }

        // .NET lists the name with U+FFFD in place of the byte; that string names no file.
        string? listed = Directory.EnumerateFileSystemEntries(Path.GetDirectoryName(source)!).FirstOrDefault(f => f.Contains('\uFFFD', StringComparison.Ordinal));
        if (listed is null)
        {
            skipReason = "the renamed file is not listed with U+FFFD (the file system re-encoded the name)";
        }

        return listed;
    }
}
