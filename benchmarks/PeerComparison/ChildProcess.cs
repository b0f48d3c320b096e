using System.Diagnostics;

namespace KappaFace.MLNet.Benchmarks.PeerComparison;

/// <summary>Runs a program to completion and returns its standard output; a failure names the command and its error output.</summary>
internal static class ChildProcess
{
    public static string Run(string program, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?> environment, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        foreach (var (key, value) in environment)
        {
            // A null value removes the variable, so a contender can run without a setting this process has.
            if (value is null)
            {
                info.Environment.Remove(key);
            }
            else
            {
                info.Environment[key] = value;
            }
        }

        string command = $"{program} {string.Join(' ', info.ArgumentList)}";
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start: {command}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"No result after {timeout.TotalMinutes:F0} min: {command}");
        }
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"Exit code {process.ExitCode} from {command}: {stderr.GetAwaiter().GetResult().Trim()}");
        }
        return stdout.GetAwaiter().GetResult();
    }

    /// <summary>The last line of a program's output that parses as a JSON object or array (earlier lines may be logs).</summary>
    public static string LastJsonLine(string output, string what)
        => output.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
               .LastOrDefault(l => l.StartsWith('{') || l.StartsWith('['))
           ?? throw new InvalidDataException($"{what} printed no JSON line; its output was: {output.Trim()}");
}
