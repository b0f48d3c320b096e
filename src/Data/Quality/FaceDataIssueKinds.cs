namespace KappaFace.MLNet.Data;

/// <summary>Names and consequences of each <see cref="FaceDataIssueKind"/>, in one place.</summary>
public static class FaceDataIssueKinds
{
    /// <summary>The stable kebab-case name of a kind (summaries, JSON), e.g. <c>zero-byte</c>.</summary>
    /// <param name="kind">The kind.</param>
    /// <returns>The name.</returns>
    public static string NameOf(FaceDataIssueKind kind) => kind switch
    {
        FaceDataIssueKind.Unreadable => "unreadable",
        FaceDataIssueKind.ZeroByte => "zero-byte",
        FaceDataIssueKind.Corrupt => "corrupt",
        FaceDataIssueKind.NotAnImage => "not-an-image",
        FaceDataIssueKind.UnsupportedFormat => "unsupported-format",
        FaceDataIssueKind.TooSmall => "too-small",
        FaceDataIssueKind.TooLarge => "too-large",
        FaceDataIssueKind.Duplicate => "duplicate",
        FaceDataIssueKind.CrossIdentityDuplicate => "cross-identity-duplicate",
        FaceDataIssueKind.EmptyIdentity => "empty-identity",
        FaceDataIssueKind.IdentityWithoutImages => "identity-without-images",
        FaceDataIssueKind.SingleImageIdentity => "single-image-identity",
        FaceDataIssueKind.Converted => "converted",
        FaceDataIssueKind.Ignored => "ignored",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown issue kind."),
    };

    /// <summary>What a kind leads to (<see cref="FaceDataAction.Skipped"/> kinds stop a load under <see cref="BadImagePolicy.Fail"/>).</summary>
    /// <param name="kind">The kind.</param>
    /// <returns>The action.</returns>
    public static FaceDataAction ActionOf(FaceDataIssueKind kind) => kind switch
    {
        FaceDataIssueKind.Duplicate or FaceDataIssueKind.IdentityWithoutImages => FaceDataAction.Dropped,
        FaceDataIssueKind.Converted => FaceDataAction.Converted,
        FaceDataIssueKind.SingleImageIdentity => FaceDataAction.Warning,
        FaceDataIssueKind.Ignored => FaceDataAction.Ignored,
        _ => FaceDataAction.Skipped,
    };

    /// <summary>True for bad input: skipped under <see cref="BadImagePolicy.Skip"/>, an error under <see cref="BadImagePolicy.Fail"/>.</summary>
    /// <param name="kind">The kind.</param>
    /// <returns>Whether the kind is bad input.</returns>
    public static bool IsBad(FaceDataIssueKind kind) => ActionOf(kind) == FaceDataAction.Skipped;
}
