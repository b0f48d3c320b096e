using System.Text.Json.Nodes;
using KappaFace.MLNet.Data;

namespace KappaFace.MLNet.Cli.Output;

/// <summary>The <c>"data"</c> object of the <c>--json</c> documents: what the bad-image policy did to the data folder.</summary>
internal static class FaceDataReportJson
{
    public static JsonObject Build(FaceDataReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var counts = new JsonObject();
        foreach (var (kind, count) in report.Counts)
        {
            counts[FaceDataIssueKinds.NameOf(kind)] = count;
        }

        var issues = new JsonArray();
        foreach (FaceDataIssue issue in report.Issues)
        {
            issues.Add(new JsonObject
            {
                ["kind"] = FaceDataIssueKinds.NameOf(issue.Kind),
                ["action"] = issue.Action.ToString().ToLowerInvariant(),
                ["path"] = issue.Path,
                ["reason"] = issue.Reason,
            });
        }

        return new JsonObject
        {
            ["directory"] = report.Directory,
            ["onBadImage"] = report.Policy == BadImagePolicy.Skip ? "skip" : "fail",
            ["imagesFound"] = report.ImagesFound,
            ["imagesUsed"] = report.ImagesUsed,
            ["identitiesFound"] = report.IdentitiesFound,
            ["identitiesUsed"] = report.IdentitiesUsed,
            ["counts"] = counts,
            ["issues"] = issues,
        };
    }
}
