using System.Globalization;

namespace KappaFace.MLNet.Benchmarks.PeerComparison;

/// <summary>What to compare and how long; parsed from the command line (see Program.cs for the usage).</summary>
internal sealed record BenchmarkSettings
{
    public IReadOnlyList<string> Backbones { get; init; } = ["mobilefacenet", "iresnet50"];
    public int Batch { get; init; } = 64;
    public int Size { get; init; } = 112;
    public int Embedding { get; init; } = 512;
    public int Classes { get; init; } = 1000;
    public int Warmup { get; init; } = 2;
    public int Steps { get; init; } = 4;
    public int Rounds { get; init; } = 2;
    public int Threads { get; init; } = Environment.ProcessorCount;
    public int MatmulSize { get; init; } = 2048;
    public bool Untuned { get; init; }

    /// <summary>Only these contenders (by name), or all when null: a slow network may not afford every variant.</summary>
    public IReadOnlyList<string>? Contenders { get; init; }
    public string Python { get; init; } = "/usr/bin/python3";
    public string? PeerDirectory { get; init; }
    public string? JsonPath { get; init; }

    /// <summary>Set in a child process that times only our trainer on this backbone and prints JSON.</summary>
    public string? ChildBackbone { get; init; }

    /// <summary>Set in a child process that times the ML.NET estimator from a thread-pool thread on this backbone.</summary>
    public string? ChildEstimatorBackbone { get; init; }

    /// <summary>The <c>kappaface</c> executable (or kappaface.dll) to time; found under src/Cli/bin when null.</summary>
    public string? Cli { get; init; }

    /// <summary>Set in a child process that measures only our matmul speed and prints it.</summary>
    public bool ChildMatmul { get; init; }

    /// <summary>The command-line form of the settings a child process needs.</summary>
    public IEnumerable<string> ChildArguments() =>
    [
        "--batch", Num(Batch), "--size", Num(Size), "--embedding", Num(Embedding), "--classes", Num(Classes),
        "--warmup", Num(Warmup), "--steps", Num(Steps), "--threads", Num(Threads), "--matmul-size", Num(MatmulSize),
    ];

    /// <summary>The given <see cref="Cli"/>, else the built command under src/Cli/bin above this program (Release first), else null.</summary>
    public string? LocateCli()
    {
        if (Cli is not null)
        {
            return File.Exists(Cli) ? Cli : throw new FileNotFoundException($"--cli {Cli}: no such file.");
        }
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            foreach (string configuration in new[] { "Release", "Debug" })
            {
                string candidate = Path.Combine(dir.FullName, "src", "Cli", "bin", configuration, "net10.0", "linux-x64", "kappaface");
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }
        return null;
    }

    /// <exception cref="ArgumentException">An unknown option or a value that is not a positive integer.</exception>
    public static BenchmarkSettings Parse(string[] args)
    {
        var settings = new BenchmarkSettings();
        for (int i = 0; i < args.Length; i++)
        {
            string option = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{option} needs a value.");
            int Positive()
            {
                string text = Value();
                return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) && value > 0
                    ? value
                    : throw new ArgumentException($"{option} must be a positive integer; got '{text}'.");
            }
            settings = option switch
            {
                "--backbones" => settings with { Backbones = Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) },
                "--batch" => settings with { Batch = Positive() },
                "--size" => settings with { Size = Positive() },
                "--embedding" => settings with { Embedding = Positive() },
                "--classes" => settings with { Classes = Positive() },
                "--warmup" => settings with { Warmup = Positive() },
                "--steps" => settings with { Steps = Positive() },
                "--rounds" => settings with { Rounds = Positive() },
                "--threads" => settings with { Threads = Positive() },
                "--matmul-size" => settings with { MatmulSize = Positive() },
                "--untuned" => settings with { Untuned = true },
                "--contenders" => settings with { Contenders = Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) },
                "--python" => settings with { Python = Value() },
                "--peer-dir" => settings with { PeerDirectory = Value() },
                "--json" => settings with { JsonPath = Value() },
                "--child-ours" => settings with { ChildBackbone = Value() },
                "--child-matmul" => settings with { ChildMatmul = true },
                "--child-estimator" => settings with { ChildEstimatorBackbone = Value() },
                "--cli" => settings with { Cli = Value() },
                _ => throw new ArgumentException($"Unknown option '{option}'."),
            };
        }
        return settings;
    }

    private static string Num(int value) => value.ToString(CultureInfo.InvariantCulture);
}
