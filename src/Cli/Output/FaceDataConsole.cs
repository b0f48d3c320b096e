using KappaFace.MLNet.Data;

namespace KappaFace.MLNet.Cli.Output;

/// <summary>
/// What the bad-image policy did, shown on standard error: the report's summary after a check, and, when a
/// check stops, everything it found followed by the one-line error (with the way out under Fail).
/// </summary>
internal static class FaceDataConsole
{
    private const string Hint = "; --on-bad-image skip leaves bad input out and lists it";

    /// <summary>Runs a library call that checks image data; a stop is explained before it propagates.</summary>
    public static T Checked<T>(Func<T> check, BadImagePolicy policy)
    {
        ArgumentNullException.ThrowIfNull(check);
        try
        {
            return check();
        }
        catch (FaceDataException e) when (e.Report is not null)
        {
            Console.Error.Write(e.Report.Summary());
            throw policy == BadImagePolicy.Fail && e.Kind is not null
                ? new FaceDataException(e.Path ?? string.Empty, e.Reason + Hint, e)
                : e;
        }
    }

    /// <summary>Shows the summary of a check; a clean folder (at most ignored files) says nothing, so one-line errors stay one line.</summary>
    public static void WriteSummary(FaceDataReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (report.Issues.Any(issue => issue.Action != FaceDataAction.Ignored))
        {
            Console.Error.Write(report.Summary());
        }
    }
}
