using System.Runtime.InteropServices;
using KappaFace.MLNet.Benchmarks.Experiments.Report;

namespace KappaFace.MLNet.Benchmarks.Experiments;

/// <summary>What the report says about the machine: cores, CPU model, OS, runtime and load.</summary>
public static class MachineProbe
{
    /// <summary>The 1, 5 and 15 minute load averages from /proc/loadavg, or <c>n/a</c> where there is none.</summary>
    public static string LoadAverage()
    {
        try
        {
            string[] parts = File.ReadAllText("/proc/loadavg").Split(' ');
            return string.Join(' ', parts.Take(3));
        }
        catch (IOException)
        {
            return "n/a";
        }
        catch (UnauthorizedAccessException)
        {
            return "n/a";
        }
    }

    /// <summary>The machine record of a report.</summary>
    public static MachineInfo Describe(string started, string loadAtStart, string? loadAtEnd, double seconds, string command) =>
        new(Environment.ProcessorCount, CpuModel(), RuntimeInformation.OSDescription, RuntimeInformation.FrameworkDescription,
            started, loadAtStart, loadAtEnd, seconds, command);

    private static string CpuModel()
    {
        try
        {
            return File.ReadLines("/proc/cpuinfo")
                .FirstOrDefault(line => line.StartsWith("model name", StringComparison.Ordinal))?
                .Split(':', 2)[1].Trim() ?? RuntimeInformation.ProcessArchitecture.ToString();
        }
        catch (IOException)
        {
            return RuntimeInformation.ProcessArchitecture.ToString();
        }
        catch (UnauthorizedAccessException)
        {
            return RuntimeInformation.ProcessArchitecture.ToString();
        }
    }
}
