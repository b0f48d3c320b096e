using KappaFace.MLNet.Tests.Shared;

namespace KappaFace.MLNet.Benchmarks.PeerComparison;

/// <summary>Runs a contender to completion: its JSON result, or a failure naming the command and its error output.</summary>
internal static class ContenderProcess
{
    public static string Run(string program, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?> environment, TimeSpan timeout)
    {
        string[] args = [.. arguments];
        ChildProcess.Result result = ChildProcess.Run(program, args, timeout, environment);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"Exit code {result.ExitCode} from {program} {string.Join(' ', args)}: {result.Stderr.Trim()}");
        }
        return result.Stdout;
    }

    /// <summary>The last line of a program's output that parses as a JSON object or array (earlier lines may be logs).</summary>
    public static string LastJsonLine(string output, string what)
        => output.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
               .LastOrDefault(l => l.StartsWith('{') || l.StartsWith('['))
           ?? throw new InvalidDataException($"{what} printed no JSON line; its output was: {output.Trim()}");
}
