using KappaFace.MLNet.Tests.Shared;

namespace KappaFace.MLNet.Benchmarks.Experiments;

/// <summary>
/// Runs the plotting program (benchmarks/ExperimentPlots) on a report as a child process. It cannot run in this
/// process: ScottPlot 5 needs SkiaSharp 3, while the library's image loading (ML.NET's MLImage) needs SkiaSharp 2.88.
/// The build copies the plotter into a <c>plotter</c> folder next to this program (ExperimentPlots/CopyPlotter.targets).
/// </summary>
public static class PlotLauncher
{
    /// <summary>The plotter's assembly name.</summary>
    public const string AssemblyName = "kappaface-experiment-plots";

    /// <summary>Where the build puts the plotter for a program in <paramref name="baseDirectory"/>.</summary>
    public static string DefaultPath(string baseDirectory) => Path.Combine(baseDirectory, "plotter", AssemblyName + ".dll");

    /// <summary>Draws the PNGs of <paramref name="reportPath"/> into <paramref name="plotFolder"/>; returns their paths.</summary>
    /// <exception cref="FileNotFoundException">The plotter was not built next to this program.</exception>
    /// <exception cref="InvalidOperationException">The plotter failed; the message holds its error output.</exception>
    public static IReadOnlyList<string> Run(string reportPath, string plotFolder, string? plotterPath = null)
    {
        string plotter = plotterPath ?? DefaultPath(AppContext.BaseDirectory);
        if (!File.Exists(plotter))
        {
            throw new FileNotFoundException($"The plotting program {plotter} is missing; build benchmarks/Experiments (it copies the plotter) or pass its path.", plotter);
        }

        // Generous: drawing takes seconds, but a loaded machine can take minutes to start a process.
        ChildProcess.Result result = ChildProcess.Run(ChildProcess.DotnetHost(), [plotter, reportPath, plotFolder], TimeSpan.FromMinutes(10));
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"The plotter exited with code {result.ExitCode}: {result.Stderr.Trim()}");
        }

        string output = result.Stdout;
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }
}
