using System.Diagnostics;

namespace KappaFace.MLNet.Cli.Output;

/// <summary>
/// One progress line on standard error: a redrawn bar on a terminal, or a plain line every few seconds
/// (and at each milestone) when the output is redirected (logs, CI). The progress reporters of the
/// commands only format their values and hand them here.
/// </summary>
internal sealed class ConsoleProgressLine(string label)
{
    private const int Width = 28;
    private static readonly TimeSpan RedirectedInterval = TimeSpan.FromSeconds(10);
    private readonly bool _interactive = !Console.IsErrorRedirected;
    private readonly Stopwatch _sinceLine = Stopwatch.StartNew();
    private bool _drawn;

    /// <summary>Shows <paramref name="text"/> with a bar filled to <paramref name="fraction"/>.</summary>
    /// <param name="fraction">Work done, 0..1; at 1 the terminal line is ended.</param>
    /// <param name="text">The figures to show.</param>
    /// <param name="milestone">Whether a redirected output should get this line even inside the interval (e.g. an epoch's end).</param>
    public void Show(double fraction, string text, bool milestone)
    {
        if (_interactive)
        {
            int filled = (int)Math.Round(Math.Clamp(fraction, 0, 1) * Width);
            Console.Error.Write($"\r{label} [{new string('#', filled)}{new string('.', Width - filled)}] {text}\u001b[K");
            _drawn = true;
            if (fraction >= 1)
            {
                Finish();
            }
        }
        else if (milestone || _sinceLine.Elapsed >= RedirectedInterval)
        {
            Console.Error.WriteLine($"{label} {text}");
            _sinceLine.Restart();
        }
    }

    /// <summary>Ends the terminal line so the next output starts cleanly.</summary>
    public void Finish()
    {
        if (_drawn)
        {
            Console.Error.WriteLine();
            _drawn = false;
        }
    }

    /// <summary>A remaining time as <c>mm:ss</c>, or <c>XhMMm</c> from an hour on.</summary>
    public static string FormatTime(TimeSpan t) =>
        t.TotalHours >= 1 ? $"{(int)t.TotalHours}h{t.Minutes:D2}m" : $"{t.Minutes:D2}:{t.Seconds:D2}";
}
