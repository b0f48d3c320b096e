using KappaFace.MLNet.Benchmarks.ExperimentPlots;
using KappaFace.MLNet.Benchmarks.Experiments.Report;

// kappaface-experiment-plots REPORT.json OUT_DIR: draws the experiment's PNGs and prints each path on stdout.
if (args.Length != 2)
{
    Console.Error.WriteLine("usage: kappaface-experiment-plots REPORT.json OUT_DIR");
    return 2;
}

try
{
    ExperimentReport report = ReportFiles.Read(args[0]);
    Directory.CreateDirectory(args[1]);
    foreach (string path in new ReportPlots(report, args[1]).DrawAll())
    {
        Console.WriteLine(path);
    }

    return 0;
}
catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
{
    Console.Error.WriteLine($"kappaface-experiment-plots: {e.Message}");
    return 1;
}
