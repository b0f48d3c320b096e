using KappaFace.MLNet.Trainer.Training;

namespace KappaFace.MLNet.Cli.Output;

/// <summary>Training progress on standard error (<see cref="ConsoleProgressLine"/>): step, loss, learning rate, images/s, ETA.</summary>
internal sealed class ConsoleProgressBar(string label) : IProgress<TrainingProgress>
{
    private readonly ConsoleProgressLine _line = new(label);

    public void Report(TrainingProgress value)
    {
        ArgumentNullException.ThrowIfNull(value);
        string text = $"epoch {value.Epoch}/{value.Epochs} step {value.Step}/{value.StepsPerEpoch} loss {value.Loss:F3} lr {value.LearningRate:G3} " +
            $"{value.ImagesPerSecond:F1} img/s ETA {ConsoleProgressLine.FormatTime(value.Remaining)}";
        _line.Show((double)value.GlobalStep / value.TotalSteps, text, milestone: value.Step == value.StepsPerEpoch);
    }

    /// <summary>Ends the bar's line so the next output starts cleanly.</summary>
    public void Finish() => _line.Finish();
}
