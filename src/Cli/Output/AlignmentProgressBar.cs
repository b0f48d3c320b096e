using System.Diagnostics;
using KappaFace.MLNet.Data.Alignment;

namespace KappaFace.MLNet.Cli.Output;

/// <summary>Alignment progress on standard error: a redrawn line on a terminal, a line every 10 s when redirected.</summary>
internal sealed class AlignmentProgressBar : IProgress<AlignmentProgress>
{
    private readonly bool _interactive = !Console.IsErrorRedirected;
    private readonly Stopwatch _sinceLine = Stopwatch.StartNew();
    private bool _drawn;

    public void Report(AlignmentProgress value)
    {
        ArgumentNullException.ThrowIfNull(value);
        string text = $"align {value.Done}/{value.Total} images {value.ImagesPerSecond:F1} img/s ETA {value.Remaining.Minutes + (60 * (int)value.Remaining.TotalHours):D2}:{value.Remaining.Seconds:D2}";
        if (_interactive)
        {
            Console.Error.Write($"\r{text}\u001b[K");
            _drawn = true;
        }
        else if (_sinceLine.Elapsed >= TimeSpan.FromSeconds(10) || value.Done == value.Total)
        {
            Console.Error.WriteLine(text);
            _sinceLine.Restart();
        }
    }

    public void Finish()
    {
        if (_drawn)
        {
            Console.Error.WriteLine();
            _drawn = false;
        }
    }
}
