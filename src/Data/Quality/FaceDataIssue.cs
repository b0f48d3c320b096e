namespace KappaFace.MLNet.Data;

/// <summary>One file or folder that was skipped, dropped, converted, ignored or is worth a warning.</summary>
/// <param name="Kind">What was found.</param>
/// <param name="Path">The full path of the file or folder.</param>
/// <param name="Reason">Why, as a sentence fragment that does not repeat the path.</param>
public sealed record FaceDataIssue(FaceDataIssueKind Kind, string Path, string Reason)
{
    /// <summary>What happened to the file or folder.</summary>
    public FaceDataAction Action => FaceDataIssueKinds.ActionOf(Kind);
}
