using System.Globalization;

namespace KappaFace.MLNet.Trainer.Platform;

/// <summary>Reads the process's memory use from the operating system.</summary>
public static class ProcessMemory
{
    /// <summary>
    /// Peak resident set size in bytes (<c>VmHWM</c> of <c>/proc/self/status</c>), or null off Linux or when the
    /// file cannot be read. Native allocations (libtorch tensors) count too, unlike the managed heap's figures.
    /// </summary>
    public static long? PeakResidentBytes() => ReadStatusKilobytes("VmHWM:") * 1024;

    /// <summary>Current resident set size in bytes (<c>VmRSS</c>), or null where unavailable.</summary>
    public static long? ResidentBytes() => ReadStatusKilobytes("VmRSS:") * 1024;

    private static long? ReadStatusKilobytes(string key)
    {
        const string status = "/proc/self/status";
        if (!OperatingSystem.IsLinux() || !File.Exists(status))
        {
            return null;
        }
        try
        {
            foreach (string line in File.ReadLines(status))
            {
                if (line.StartsWith(key, StringComparison.Ordinal))
                {
                    // "VmHWM:     123456 kB"
                    string number = line[key.Length..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
                    return long.Parse(number, CultureInfo.InvariantCulture);
                }
            }
        }
        catch (IOException)
        {
            // Memory reporting is informative; an unreadable file must not stop training.
        }
        return null;
    }
}
