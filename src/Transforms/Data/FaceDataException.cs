namespace KappaFace.MLNet.Transforms.Data;

/// <summary>
/// Bad face data: an unreadable image, an empty or malformed folder, a bad pairs line.
/// <see cref="Path"/> names the file or folder at fault.
/// </summary>
public class FaceDataException : Exception
{
    /// <summary>Creates the exception.</summary>
    public FaceDataException() { }

    /// <summary>Creates the exception.</summary>
    public FaceDataException(string message) : base(message)
    {
        Reason = message;
    }

    /// <summary>Creates the exception.</summary>
    public FaceDataException(string message, Exception innerException) : base(message, innerException)
    {
        Reason = message;
    }

    /// <summary>Creates the exception for a file or folder.</summary>
    public FaceDataException(string path, string message, Exception? innerException = null)
        : base($"{path}: {message}", innerException)
    {
        Path = path;
        Reason = message;
    }

    /// <summary>The file or folder at fault, when there is one.</summary>
    public string? Path { get; }

    /// <summary>What is wrong, without the path (the message is "path: reason" when there is a path).</summary>
    public string Reason { get; } = string.Empty;
}
