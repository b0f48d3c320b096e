using KappaFace.MLNet.Trainer.Platform;

namespace KappaFace.MLNet.Benchmarks.Scale;

/// <summary>What the benchmark needs to know about the machine it runs on.</summary>
internal static class Machine
{
    /// <summary>The 1/5/15-minute load averages, to print next to every measurement.</summary>
    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    /// <summary>Resident memory now, in bytes (0 where the platform does not say).</summary>
    public static long Resident() => ProcessMemory.ResidentBytes() ?? 0;

    /// <summary>Memory the kernel could give this process now (<c>MemAvailable</c>), or total RAM where unknown.</summary>
    public static long Available()
    {
        const string meminfo = "/proc/meminfo";
        if (File.Exists(meminfo))
        {
            foreach (string line in File.ReadLines(meminfo))
            {
                if (line.StartsWith("MemAvailable:", StringComparison.Ordinal))
                {
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        return GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
    }

    /// <summary>Formats a byte count in binary units.</summary>
    public static string Bytes(double bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (1L << 30):F2} GiB",
        >= 1L << 20 => $"{bytes / (1L << 20):F0} MiB",
        _ => $"{bytes / 1024:F0} KiB",
    };

    /// <summary>The real face data set <paramref name="name"/> in a <c>shared/data</c> folder above the working directory (the shared data folder, see README Tests section).</summary>
    public static string FindDataSet(string name)
    {
        for (var folder = new DirectoryInfo(Environment.CurrentDirectory); folder is not null; folder = folder.Parent)
        {
            string candidate = Path.Combine(folder.FullName, "shared", "data", name);
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new DirectoryNotFoundException($"No shared/data/{name} above {Environment.CurrentDirectory}; pass --data DIR.");
    }
}
