namespace KappaFace.MLNet.Data;

/// <summary>What happened to the file or folder of a <see cref="FaceDataIssue"/>.</summary>
public enum FaceDataAction
{
    /// <summary>Bad input left out under <see cref="BadImagePolicy.Skip"/> (under <see cref="BadImagePolicy.Fail"/> it stops the load).</summary>
    Skipped,

    /// <summary>Left out under either policy because it adds nothing: a repeated file, or an identity with no image left.</summary>
    Dropped,

    /// <summary>Used after conversion to 8-bit RGB.</summary>
    Converted,

    /// <summary>Used as is; worth knowing.</summary>
    Warning,

    /// <summary>Not an input of the loader (not an image file of an identity folder).</summary>
    Ignored,
}
