using System.Text.Json;

namespace KappaFace.MLNet.Benchmarks.PeerComparison;

/// <summary>The Python scripts of benchmarks/peer and the interpreter that runs them.</summary>
internal sealed class PeerScripts(string python, string directory)
{
    /// <summary>The scripts' folder: the given one, or benchmarks/peer above this program's folder.</summary>
    /// <exception cref="DirectoryNotFoundException">No folder with train_bench.py was found.</exception>
    public static PeerScripts Locate(BenchmarkSettings settings)
    {
        string? directory = settings.PeerDirectory;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); directory is null && dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "benchmarks", "peer");
            if (File.Exists(Path.Combine(candidate, "train_bench.py")))
            {
                directory = candidate;
            }
        }
        if (directory is null || !File.Exists(Path.Combine(directory, "train_bench.py")))
        {
            throw new DirectoryNotFoundException($"benchmarks/peer/train_bench.py not found (looked in '{settings.PeerDirectory}' and above {AppContext.BaseDirectory}); pass --peer-dir.");
        }
        return new PeerScripts(settings.Python, directory);
    }

    /// <summary>Runs a script and returns the JSON line it printed.</summary>
    public string Run(string script, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?> environment)
    {
        string output = ContenderProcess.Run(python, new[] { Path.Combine(directory, script) }.Concat(arguments), environment, TimeSpan.FromMinutes(60));
        return ContenderProcess.LastJsonLine(output, script);
    }

    /// <summary>Forward FLOPs per image of a backbone at the given size and embedding, counted by describe.py.</summary>
    public double ForwardFlops(string backbone, int size, int embedding)
    {
        string json = Run("describe.py", [$"{backbone}:{size}:{embedding}"], new Dictionary<string, string?>());
        return JsonDocument.Parse(json).RootElement[0].GetProperty("forwardFlops").GetDouble();
    }
}
