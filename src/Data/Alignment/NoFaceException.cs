namespace KappaFace.MLNet.Data.Alignment;

/// <summary>A photo in which the detector found no (usable) face, under <see cref="NoFacePolicy.Fail"/>; <see cref="FaceDataException.Path"/> names it.</summary>
public sealed class NoFaceException : FaceDataException
{
    /// <summary>Creates the exception for the photo at <paramref name="path"/>.</summary>
    public NoFaceException(string path) : base(path, "no face found")
    {
    }

    /// <summary>Creates the exception for the photo at <paramref name="path"/> with the reason it has no usable face.</summary>
    public NoFaceException(string path, string reason) : base(path, reason)
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    public NoFaceException() : base("no face found")
    {
    }

    /// <summary>Creates an exception with a message and the exception that caused it.</summary>
    public NoFaceException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
