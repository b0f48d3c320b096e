using System.Diagnostics;
using KappaFace.MLNet.Trainer.Training;

namespace KappaFace.MLNet.Cli.Output;

/// <summary>
/// Shows training progress on standard error: a redrawn bar on a terminal, or a plain line every
/// few seconds when the output is redirected (logs, CI).
/// </summary>
internal sealed class ConsoleProgressBar(string label) : IProgress<TrainingProgress>
{
    private const int Width = 28;
    private static readonly TimeSpan RedirectedInterval = TimeSpan.FromSeconds(10);
    private readonly bool _interactive = !Console.IsErrorRedirected;
    private readonly Stopwatch _sinceLine = Stopwatch.StartNew();
    private bool _drawn;

    public void Report(TrainingProgress value)
    {
        ArgumentNullException.ThrowIfNull(value);
        string text = Format(value);
        if (_interactive)
        {
            double fraction = (double)value.GlobalStep / value.TotalSteps;
            int filled = (int)Math.Round(fraction * Width);
            Console.Error.Write($"\r{label} [{new string('#', filled)}{new string('.', Width - filled)}] {text}\u001b[K");
            _drawn = true;
            if (value.GlobalStep == value.TotalSteps)
            {
                Finish();
            }
        }
        else if (_sinceLine.Elapsed >= RedirectedInterval || value.Step == value.StepsPerEpoch)
        {
            Console.Error.WriteLine($"{label} {text}");
            _sinceLine.Restart();
        }
    }

    /// <summary>Ends the bar's line so the next output starts cleanly.</summary>
    public void Finish()
    {
        if (_drawn)
        {
            Console.Error.WriteLine();
            _drawn = false;
        }
    }

    private static string Format(TrainingProgress p) =>
        $"epoch {p.Epoch}/{p.Epochs} step {p.Step}/{p.StepsPerEpoch} loss {p.Loss:F3} lr {p.LearningRate:G3} " +
        $"{p.ImagesPerSecond:F1} img/s ETA {FormatTime(p.Remaining)}";

    private static string FormatTime(TimeSpan t) =>
        t.TotalHours >= 1 ? $"{(int)t.TotalHours}h{t.Minutes:D2}m" : $"{t.Minutes:D2}:{t.Seconds:D2}";
}
