using System.CommandLine;
using System.Text.Json.Nodes;
using KappaFace.MLNet.Cli.Output;
using KappaFace.MLNet.Onnx.Runtime;

namespace KappaFace.MLNet.Cli.Commands;

/// <summary><c>--json FILE</c> (<c>-</c> for standard output): declared here once and read here for every command that writes JSON.</summary>
internal sealed class JsonOption
{
    /// <summary>Declares the option; <paramref name="what"/> completes "Write ... as JSON".</summary>
    public JsonOption(string what) =>
        Option = new Option<string?>("--json") { Description = $"Write {what} as JSON to FILE (- for stdout)." };

    public Option<string?> Option { get; }

    /// <summary>True when the JSON goes to standard output, which must then hold nothing else.</summary>
    public bool ToStandardOutput(ParseResult parse) => parse.GetValue(Option) == JsonOutput.StandardOutput;

    /// <summary>Writes <paramref name="document"/> where the option says; nothing without the option.</summary>
    public void Write(ParseResult parse, JsonNode document)
    {
        if (parse.GetValue(Option) is { } target)
        {
            JsonOutput.Write(document, target);
        }
    }
}

/// <summary><c>--device auto|cpu|cuda|cuda:N</c>: declared here once and read here for ONNX Runtime and TorchSharp commands alike.</summary>
internal static class DeviceOption
{
    /// <summary>Declares the option with the command's default (<c>auto</c> unless the command says otherwise).</summary>
    public static Option<string> Create(string defaultValue = "auto") => new("--device")
    {
        Description = "Device: auto (CUDA when it loads, else CPU), cpu, cuda or cuda:N.",
        DefaultValueFactory = _ => defaultValue,
    };

    /// <summary>The requested device, checked against the one grammar both runtimes read (<see cref="ExecutionProviderSpec"/>).</summary>
    /// <exception cref="ArgumentException">The value is not one of the accepted forms.</exception>
    public static string Read(ParseResult parse, Option<string> option)
    {
        string value = parse.GetValue(option)!;
        return ExecutionProviderSpec.TryParse(value, out _)
            ? value
            : throw new ArgumentException($"--device '{value}' is not known; use auto, cpu, cuda or cuda:N (e.g. cuda:1).");
    }
}
