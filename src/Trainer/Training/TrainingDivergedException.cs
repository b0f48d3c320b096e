namespace KappaFace.MLNet.Trainer.Training;

/// <summary>
/// A step produced a NaN or infinite loss. The step's update was not applied, so the weights (and the
/// last checkpoint) are those from before the bad batch.
/// </summary>
public class TrainingDivergedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TrainingDivergedException() { }

    /// <summary>Creates the exception.</summary>
    public TrainingDivergedException(string message) : base(message) { }

    /// <summary>Creates the exception.</summary>
    public TrainingDivergedException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>Creates the exception for a bad step.</summary>
    public TrainingDivergedException(int epoch, int step, double loss, IReadOnlyList<string> batchSources)
        : base($"Loss became {loss} at epoch {epoch}, step {step}; the update was skipped and training stopped. " +
               $"Batch: {string.Join(", ", batchSources.Take(8))}{(batchSources.Count > 8 ? ", ..." : "")}. " +
               "Try a lower learning rate or a warm-up.")
    {
        Epoch = epoch;
        Step = step;
        Loss = loss;
        BatchSources = batchSources;
    }

    /// <summary>One-based epoch of the bad step.</summary>
    public int Epoch { get; }

    /// <summary>One-based step within the epoch.</summary>
    public int Step { get; }

    /// <summary>The non-finite loss.</summary>
    public double Loss { get; }

    /// <summary>Where the batch's images came from.</summary>
    public IReadOnlyList<string> BatchSources { get; } = [];
}
