using KappaFace.MLNet.Data.Alignment;

namespace KappaFace.MLNet.Cli.Output;

/// <summary>Alignment progress on standard error (<see cref="ConsoleProgressLine"/>): images done, images/s, ETA.</summary>
internal sealed class AlignmentProgressBar : IProgress<AlignmentProgress>
{
    private readonly ConsoleProgressLine _line = new("align");

    public void Report(AlignmentProgress value)
    {
        ArgumentNullException.ThrowIfNull(value);
        string text = $"{value.Done}/{value.Total} images {value.ImagesPerSecond:F1} img/s ETA {ConsoleProgressLine.FormatTime(value.Remaining)}";
        _line.Show(value.Total == 0 ? 1 : (double)value.Done / value.Total, text, milestone: value.Done == value.Total);
    }

    /// <summary>Ends the bar's line so the next output starts cleanly.</summary>
    public void Finish() => _line.Finish();
}
