using System.Globalization;
using KappaFace.MLNet.Trainer.Backbones;

namespace KappaFace.MLNet.Benchmarks.HeadCost;

/// <summary>What to measure; parsed from the command line (see Program.cs for the usage).</summary>
internal sealed record HeadCostSettings
{
    public IReadOnlyList<int> Classes { get; init; } = [1_000, 10_000, 100_000];
    public BackboneKind Backbone { get; init; } = BackboneKind.Tiny;
    public int Size { get; init; } = 48;
    public int Embedding { get; init; } = 512;
    public int Batch { get; init; } = 64;
    public int Warmup { get; init; } = 2;
    public int Steps { get; init; } = 8;
    public int Rounds { get; init; } = 3;

    /// <summary>Torch threads; null keeps TorchSharp's default (one per core).</summary>
    public int? Threads { get; init; }

    /// <summary>Memory-buffer rows: images in the training set (default 10 per class, at least the steps' images).</summary>
    public int? Images { get; init; }

    public int ImagesFor(int classes) => Math.Max(Images ?? 10 * classes, Batch * (Warmup + Steps));

    /// <exception cref="ArgumentException">An unknown option or a bad value.</exception>
    public static HeadCostSettings Parse(string[] args)
    {
        var settings = new HeadCostSettings();
        for (int i = 0; i < args.Length; i++)
        {
            string option = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{option} needs a value.");
            int Positive(string text) =>
                int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) && value > 0
                    ? value
                    : throw new ArgumentException($"{option} needs positive integers; got '{text}'.");
            settings = option switch
            {
                "--classes" => settings with { Classes = Value().Split(',').Select(Positive).ToArray() },
                "--backbone" => settings with { Backbone = BackboneFactory.Parse(Value()) },
                "--size" => settings with { Size = Positive(Value()) },
                "--embedding" => settings with { Embedding = Positive(Value()) },
                "--batch" => settings with { Batch = Positive(Value()) },
                "--warmup" => settings with { Warmup = Positive(Value()) },
                "--steps" => settings with { Steps = Positive(Value()) },
                "--rounds" => settings with { Rounds = Positive(Value()) },
                "--images" => settings with { Images = Positive(Value()) },
                "--threads" => settings with { Threads = Positive(Value()) },
                _ => throw new ArgumentException($"Unknown option '{option}'."),
            };
        }
        return settings;
    }
}
