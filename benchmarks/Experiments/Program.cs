using System.CommandLine;
using KappaFace.MLNet.Benchmarks.Experiments;
using KappaFace.MLNet.Tests.Shared;
using KappaFace.MLNet.Trainer.Backbones;
using KappaFace.MLNet.Trainer.Heads;
using KappaFace.MLNet.Data;
using KappaFace.MLNet.Onnx;

// kappaface-experiment: KappaFace, ArcFace and CosFace under identical settings on long-tailed and balanced
// identity-disjoint splits of real faces; see docs/experiments.md.
var quick = new Option<bool>("--quick") { Description = "A few minutes: one seed, 60 identities, 6 epochs." };
var data = new Option<DirectoryInfo?>("--data") { Description = "Image folder (default: ../shared/data/celeba-dev above the repository)." };
var output = new Option<DirectoryInfo>("--out") { Description = "Folder for report.json, report.md and plots/.", DefaultValueFactory = _ => new DirectoryInfo("experiment-results") };
var seeds = new Option<int?>("--seeds") { Description = "Number of training seeds (1..N); default 3, or 1 with --quick." };
var epochs = new Option<int?>("--epochs") { Description = "Override the epochs of the chosen mode." };
var identities = new Option<int?>("--identities") { Description = "Use at most this many identities (0 = all)." };
var heldOut = new Option<int?>("--held-out") { Description = "Identities held out for evaluation." };
var backbone = new Option<string?>("--backbone") { Description = "Override the network (tiny, mobilefacenet, ...)." };
var imageSize = new Option<int?>("--image-size") { Description = "Override the input size (a multiple of 16)." };
var scale = new Option<string?>("--scale") { Description = "Override the logit scale s of every loss: a number, or auto for the library's choice from the class count." };
var losses = new Option<string[]>("--losses")
{
    Description = "Only these losses (kappaface, arcface, cosface; comma-separated or repeated).", AllowMultipleArgumentsPerToken = true,
    CustomParser = r => [.. r.Tokens.SelectMany(t => t.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))],
};
var splits = new Option<string[]>("--splits")
{
    Description = "Only these training splits (long-tail, balanced; comma-separated or repeated).", AllowMultipleArgumentsPerToken = true,
    CustomParser = r => [.. r.Tokens.SelectMany(t => t.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))],
};
var noAblations = new Option<bool>("--no-ablations") { Description = "Skip the KappaFace ablations and the fixed-margin ArcFace runs." };
var noPlots = new Option<bool>("--no-plots") { Description = "Do not draw the PNG plots." };
var init = new Option<FileInfo?>("--init")
{
    Description = "Fine-tune mode: every run starts from this KappaFace model (kappaface import / train) with the library's fine-tuning " +
                  "defaults; the baseline row is the model itself. Default data: ../shared/data/celeba-dev-aligned.",
};

var root = new RootCommand("kappaface-experiment: compare KappaFace, ArcFace and CosFace on long-tailed and balanced real faces.")
{
    quick, data, output, seeds, epochs, identities, heldOut, backbone, imageSize, scale, losses, splits, noAblations, noPlots, init,
};
root.SetAction((parse, token) =>
{
    try
    {
        var settings = parse.GetValue(quick) ? ExperimentSettings.Quick : ExperimentSettings.Full;
        string? model = parse.GetValue(init)?.FullName;
        if (model is not null)
        {
            var card = ModelCard.ReadFrom(model);
            var fineTune = ExperimentSettings.FineTune(model, card.InputSize, card.EmbeddingSize);
            // --quick keeps its smaller protocol (seeds, identities, pairs); the network and schedule are the model's.
            settings = settings with
            {
                Mode = settings.Mode == "quick" ? "finetune-quick" : fineTune.Mode, InitialModel = model, ImageSize = fineTune.ImageSize,
                EmbeddingSize = fineTune.EmbeddingSize, Epochs = fineTune.Epochs, LearningRate = fineTune.LearningRate,
                WarmupEpochs = fineTune.WarmupEpochs, Scale = fineTune.Scale,
            };
        }

        settings = settings with
        {
            Seeds = parse.GetValue(seeds) is int n ? Enumerable.Range(1, n).ToArray() : settings.Seeds,
            Epochs = parse.GetValue(epochs) ?? settings.Epochs,
            MaxIdentities = parse.GetValue(identities) ?? settings.MaxIdentities,
            HeldOutIdentities = parse.GetValue(heldOut) ?? settings.HeldOutIdentities,
            Backbone = parse.GetValue(backbone) is { } name ? BackboneFactory.Parse(name) : settings.Backbone,
            ImageSize = parse.GetValue(imageSize) ?? settings.ImageSize,
            Scale = parse.GetValue(scale) is { } s ? ParseScale(s) : settings.Scale,
            Losses = parse.GetValue(losses) is { Length: > 0 } names ? [.. names.Select(ParseLoss)] : settings.Losses,
            Splits = parse.GetValue(splits) is { Length: > 0 } chosen ? chosen : settings.Splits,
            Ablations = settings.Ablations && !parse.GetValue(noAblations),
        };
        settings.Validate();
        string defaultSet = model is null ? "celeba-dev" : "celeba-dev-aligned";
        string folder = parse.GetValue(data)?.FullName ?? SharedData.DataSet(defaultSet)
            ?? throw new DirectoryNotFoundException($"No --data given and ../shared/data/{defaultSet} was not found above the repository.");
        Console.Error.WriteLine($"Loading {folder} at {settings.ImageSize} px...");
        var all = ExperimentData.Load(folder, settings.ImageSize, settings.MaxIdentities);
        string command = "kappaface-experiment " + string.Join(' ', args);
        ExperimentJob.Run(settings, all, folder, parse.GetValue(output)!.FullName, Console.Error, command, !parse.GetValue(noPlots), token);
        return Task.FromResult(0);
    }
    catch (Exception e) when (e is ArgumentException or IOException or FaceDataException or InvalidDataException or InvalidOperationException
                               or OperationCanceledException or OnnxModelException or KappaFace.MLNet.Trainer.Import.OnnxImportException)
    {
        Console.Error.WriteLine($"kappaface-experiment: {e.Message}");
        return Task.FromResult(1);
    }
});
return await root.Parse(args).InvokeAsync().ConfigureAwait(false);

static double? ParseScale(string text) =>
    text.Equals("auto", StringComparison.OrdinalIgnoreCase) ? null
    : double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double value) ? value
    : throw new ArgumentException($"--scale: '{text}' is neither a number nor auto.");

static MarginLossKind ParseLoss(string name) =>
    Enum.TryParse<MarginLossKind>(name, ignoreCase: true, out var loss) && Enum.IsDefined(loss) && !int.TryParse(name, out _)
        ? loss
        : throw new ArgumentException($"--losses: '{name}' is not a loss; use kappaface, arcface or cosface.");
