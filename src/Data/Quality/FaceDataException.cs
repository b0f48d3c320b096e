namespace KappaFace.MLNet.Data;

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

    /// <summary>Creates the exception for a file or folder with a known kind of problem.</summary>
    internal FaceDataException(string path, FaceDataIssueKind kind, string message, Exception? innerException = null)
        : this(path, message, innerException)
    {
        Kind = kind;
    }

    /// <summary>The file or folder at fault, when there is one.</summary>
    public string? Path { get; }

    /// <summary>What is wrong, without the path (the message is "path: reason" when there is a path).</summary>
    public string Reason { get; } = string.Empty;

    /// <summary>The kind of bad input, when the error is about one file or folder of an image folder.</summary>
    public FaceDataIssueKind? Kind { get; }

    /// <summary>
    /// When checking an image folder stopped: what the check had found (with the policy applied), so a
    /// caller can show every problem, not only the first.
    /// </summary>
    public FaceDataReport? Report { get; internal init; }
}
