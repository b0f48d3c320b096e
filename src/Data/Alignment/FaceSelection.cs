namespace KappaFace.MLNet.Data.Alignment;

/// <summary>Which faces of a photo with several are kept.</summary>
public enum FaceSelection
{
    /// <summary>The face with the highest score (default).</summary>
    Best,

    /// <summary>The face with the largest box.</summary>
    Largest,

    /// <summary>Every face, best score first (written as <c>name_face1.jpg</c>, <c>name_face2.jpg</c>, ...).</summary>
    All,
}

/// <summary>What to do with a photo in which no face scores above the threshold.</summary>
public enum NoFacePolicy
{
    /// <summary>Stop with a <see cref="FaceDataException"/> naming the file (default).</summary>
    Fail,

    /// <summary>Leave the photo out and report it.</summary>
    Skip,
}
