using System.CommandLine;
using KappaFace.MLNet.Cli.Output;
using KappaFace.MLNet.Data;
using KappaFace.MLNet.Data.Embedding;
using KappaFace.MLNet.Onnx;
using KappaFace.MLNet.Transforms.Evaluation;

namespace KappaFace.MLNet.Cli.Commands;

/// <summary>
/// The options <c>evaluate</c> and <c>calibrate</c> share, and their one library call: the pairs come from
/// <see cref="VerificationPairs.Load"/> (a pairs file, or balanced seeded pairs drawn from the folder), are
/// embedded and scored by <see cref="ScoredFacePairs.Score"/>, and what the bad-image policy did is shown on
/// standard error.
/// </summary>
internal static class PairScoring
{
    /// <summary>The common options of <c>evaluate</c> and <c>calibrate</c>.</summary>
    public static Options CreateOptions() => new();

    /// <summary>The options <c>evaluate</c> and <c>calibrate</c> share, with one description each.</summary>
    internal sealed class Options
    {
        public Option<FileInfo> Model { get; } = new("--model") { Description = "The ONNX embedding model.", Required = true };

        public Option<DirectoryInfo> Data { get; } = new("--data") { Description = "Image folder DIR/<identity>/<image>; pairs-file paths are relative to it.", Required = true };

        public Option<FileInfo?> Pairs { get; } = new("--pairs") { Description = "Pairs file (PATH_A PATH_B LABEL lines, or LFW pairs.txt; its folds are used). Default: balanced seeded pairs from --data." };

        public Option<int?> PairCount { get; } = new("--pair-count") { Description = $"Pairs drawn from --data without --pairs (default: up to {VerificationPairsOptions.DefaultGeneratedPairs}, as many as the folder allows)." };

        public Option<int> Seed { get; } = new("--seed") { Description = "Seed of the drawn pairs and of the folds without a pairs file.", DefaultValueFactory = _ => 0 };

        public Option<string> Device { get; } = DeviceOption.Create();

        public JsonOption Json { get; } = new("the results");

        public Option<string> OnBadImage { get; } = BadImageOption.Create();

        public PhotoOptions Photos { get; } = new();

        public IEnumerable<Option> All => [Model, Data, Pairs, PairCount, Seed, Device, Json.Option, OnBadImage, .. Photos.All];

        /// <summary>The options of the command line as the library's pair options.</summary>
        public VerificationPairsOptions ReadPairs(ParseResult parse) => new()
        {
            ImageFolder = parse.GetValue(Data)!.FullName,
            PairsFile = parse.GetValue(Pairs)?.FullName,
            PairCount = parse.GetValue(PairCount),
            Seed = parse.GetValue(Seed),
            DataChecks = BadImageOption.Read(parse, OnBadImage),
        };

        /// <summary>Loads or draws the pairs, embeds their images (photos aligned first with <c>--detector</c>) and scores them.</summary>
        public ScoredFacePairs Score(ParseResult parse, CancellationToken cancel)
        {
            VerificationPairsOptions options = ReadPairs(parse);
            VerificationPairs pairs = FaceDataConsole.Checked(() => VerificationPairs.Load(options), options.DataChecks.OnBadImage);
            FaceDataConsole.WriteSummary(pairs.Report);
            if (pairs.DroppedPairs > 0)
            {
                int total = pairs.Pairs.Count + pairs.DroppedPairs;
                Console.Error.WriteLine($"Dropped {pairs.DroppedPairs} of {total} pairs that name a skipped image.");
            }

            string device = DeviceOption.Read(parse, Device);
            using var detector = Photos.Open(parse, device);
            using var embedder = FaceImageEmbedder.Open(
                parse.GetValue(Model)!.FullName,
                new FaceEmbedderOptions { ExecutionProvider = device },
                detector,
                Photos.Alignment(parse, BadImageOption.ReadPolicy(parse, OnBadImage)));
            ScoredFacePairs scored = Photos.Explained(() => ScoredFacePairs.Score(embedder, pairs, cancel));
            PhotoOptions.WriteLines(scored.SkippedPhotos, scored.DroppedFaces);
            if (scored.PairsWithoutFace > 0)
            {
                Console.Error.WriteLine($"Dropped {scored.PairsWithoutFace} of {pairs.Pairs.Count} pairs that name one of the {scored.SkippedPhotos.Count} photos without a usable face.");
            }

            return scored;
        }
    }
}
