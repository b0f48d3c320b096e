namespace KappaFace.MLNet.Trainer.Training.Checkpoints;

/// <summary>A checkpoint file that is truncated, damaged or not a checkpoint at all.</summary>
public class CheckpointCorruptException : Exception
{
    /// <summary>Creates the exception.</summary>
    public CheckpointCorruptException() { }

    /// <summary>Creates the exception.</summary>
    public CheckpointCorruptException(string message) : base(message) { }

    /// <summary>Creates the exception.</summary>
    public CheckpointCorruptException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>Creates the exception for <paramref name="path"/>.</summary>
    public CheckpointCorruptException(string path, string message, Exception? innerException = null)
        : base($"{path}: {message}", innerException)
    {
        Path = path;
    }

    /// <summary>The checkpoint file at fault.</summary>
    public string? Path { get; }
}
