using System.Text.Json;
using System.Text.Json.Serialization;

namespace KappaFace.MLNet.Benchmarks.Experiments.Report;

/// <summary>Reads and writes report.json (camelCase) and report.md; writes go through a temporary file.</summary>
public static class ReportFiles
{
    /// <summary>The JSON report's file name.</summary>
    public const string JsonName = "report.json";

    /// <summary>The markdown report's file name.</summary>
    public const string MarkdownName = "report.md";

    /// <summary>The serializer options of report.json.</summary>
    public static JsonSerializerOptions Json { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        // A NaN or infinity is written as a string rather than failing the run; the tests reject it.
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Writes report.json and report.md into <paramref name="folder"/>.</summary>
    public static void Write(ExperimentReport report, string folder)
    {
        ArgumentNullException.ThrowIfNull(report);
        Directory.CreateDirectory(folder);
        WriteAtomically(Path.Combine(folder, JsonName), JsonSerializer.Serialize(report, Json));
        WriteAtomically(Path.Combine(folder, MarkdownName), MarkdownReport.Render(report));
    }

    /// <summary>Reads a report.json.</summary>
    /// <exception cref="InvalidDataException">The file is not a report.</exception>
    public static ExperimentReport Read(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<ExperimentReport>(File.ReadAllText(path), Json)
                ?? throw new InvalidDataException($"{path} holds null, not an experiment report.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not an experiment report: {e.Message}", e);
        }
    }

    // A reader (or a crash) never sees half a report.
    private static void WriteAtomically(string path, string text)
    {
        string temporary = path + ".tmp";
        File.WriteAllText(temporary, text);
        File.Move(temporary, path, overwrite: true);
    }
}
