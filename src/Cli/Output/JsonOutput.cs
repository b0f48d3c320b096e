using System.Text.Json;
using System.Text.Json.Nodes;

namespace KappaFace.MLNet.Cli.Output;

/// <summary>Writes the <c>--json</c> documents of every command: indented, to a file or to standard output.</summary>
internal static class JsonOutput
{
    /// <summary>The <c>--json</c> target that means standard output.</summary>
    public const string StandardOutput = "-";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>Writes <paramref name="document"/> to a file (its folder created), or to standard output for <c>-</c>.</summary>
    public static void Write(JsonNode document, string target)
    {
        ArgumentNullException.ThrowIfNull(document);
        string text = document.ToJsonString(Indented);
        if (target == StandardOutput)
        {
            Console.Out.WriteLine(text);
            return;
        }

        string? folder = Path.GetDirectoryName(Path.GetFullPath(target));
        if (folder is not null)
        {
            Directory.CreateDirectory(folder);
        }

        File.WriteAllText(target, text + Environment.NewLine);
    }
}
