using KappaFace.MLNet.Benchmarks.Experiments.Report;
using KappaFace.MLNet.Data;

namespace KappaFace.MLNet.Benchmarks.Experiments;

/// <summary>
/// One experiment from data to files: runs <see cref="ExperimentRunner"/>, rewrites report.json and report.md in
/// <c>outFolder</c> after every run, and draws the plots into <c>outFolder/plots</c> at the end.
/// The command line and the tests both call this.
/// </summary>
public static class ExperimentJob
{
    /// <summary>The plots' folder name inside the output folder.</summary>
    public const string PlotFolderName = "plots";

    /// <summary>Runs the experiment and writes every output; returns the final report.</summary>
    /// <param name="settings">The experiment's settings.</param>
    /// <param name="all">The whole data set, loaded at the settings' image size.</param>
    /// <param name="source">Where the data came from.</param>
    /// <param name="outFolder">Folder for report.json, report.md and plots/.</param>
    /// <param name="log">Progress lines.</param>
    /// <param name="command">The command line, recorded in the report.</param>
    /// <param name="plots">Draw the plots (needs the plotter next to this program).</param>
    /// <param name="cancellationToken">Stops the experiment between steps; finished runs stay on disk.</param>
    public static ExperimentReport Run(ExperimentSettings settings, FaceImageSet all, string source, string outFolder, TextWriter log,
        string command, bool plots = true, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(log);
        Directory.CreateDirectory(outFolder);
        var runner = new ExperimentRunner(settings, log);
        ExperimentReport report = runner.Run(all, source, command, partial => ReportFiles.Write(partial, outFolder), cancellationToken);
        ReportFiles.Write(report, outFolder);
        log.WriteLine($"Wrote {Path.Combine(outFolder, ReportFiles.JsonName)} and {ReportFiles.MarkdownName}.");
        if (plots)
        {
            foreach (string png in PlotLauncher.Run(Path.Combine(outFolder, ReportFiles.JsonName), Path.Combine(outFolder, PlotFolderName)))
            {
                log.WriteLine($"Wrote {png}.");
            }
        }

        return report;
    }
}
