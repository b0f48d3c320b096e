using System.CommandLine;
using KappaFace.MLNet.Cli.Output;
using KappaFace.MLNet.Trainer.Data;
using KappaFace.MLNet.Trainer.Training;
using KappaFace.MLNet.Transforms.Data;

namespace KappaFace.MLNet.Cli.Commands;

/// <summary><c>kappaface train</c>: trains on an image folder (design.md sections 4 and 5).</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var data = new Option<DirectoryInfo>("--data") { Description = "Image folder: DIR/<identity>/<image>.", Required = true };
        var output = new Option<FileInfo?>("--out") { Description = "Where to write the trained model." };
        var checkpointDir = new Option<DirectoryInfo?>("--checkpoint-dir") { Description = "Folder for atomic checkpoints (every epoch and on Ctrl+C)." };
        var checkpointEvery = new Option<int>("--checkpoint-every")
        {
            Description = "Also write a checkpoint every N training steps (0: only at epoch ends). Needs --checkpoint-dir.",
            DefaultValueFactory = _ => 0,
        };
        var resume = new Option<bool>("--resume") { Description = "Continue from the newest valid checkpoint in --checkpoint-dir." };
        var valFraction = new Option<double>("--val-fraction") { Description = "Fraction of identities held out for per-epoch verification accuracy.", DefaultValueFactory = _ => 0 };
        var json = new Option<string?>("--json") { Description = "Write the training report as JSON to FILE (- for stdout)." };
        var onBadImage = BadImageOption.Create();
        var stream = new Option<bool>("--stream") { Description = "Decode images on the fly on background threads instead of loading the folder into memory." };
        var training = new TrainingOptionSet("mobilefacenet", 112, 512, 10);
        var fineTune = new FineTuneOptionSet();

        var command = new Command("train", "Train a face-embedding model on an image folder.") { data, output, checkpointDir, checkpointEvery, resume, valFraction, json, onBadImage, stream };
        training.AddTo(command);
        fineTune.AddTo(command);
        command.SetAction((parse, token) => CommandRunner.RunAsync(cancel =>
        {
            var options = training.Read(parse);
            fineTune.Apply(parse, options);
            options.CheckpointDirectory = parse.GetValue(checkpointDir)?.FullName;
            options.CheckpointEverySteps = parse.GetValue(checkpointEvery);
            options.Resume = parse.GetValue(resume);
            options.ValidationFraction = parse.GetValue(valFraction);
            // Checked before Validate so the message speaks of the command's options, not the library's.
            if (options.CheckpointEverySteps > 0 && options.CheckpointDirectory is null)
            {
                throw new ArgumentException($"--checkpoint-every {options.CheckpointEverySteps} needs --checkpoint-dir DIR.");
            }
            options.Validate();
            if (parse.GetValue(output) is null && options.CheckpointDirectory is null)
            {
                throw new ArgumentException("Nothing would be saved: give --out MODEL and/or --checkpoint-dir DIR.");
            }

            string folder = parse.GetValue(data)!.FullName;
            var loadOptions = BadImageOption.Read(parse, onBadImage);
            var (train, validation, dataReport) = parse.GetValue(stream) ? Stream(folder, options, loadOptions) : Load(folder, options, loadOptions);
            Console.Error.WriteLine($"{train.Count} training images of {train.ClassCount} identities" +
                (validation is null ? "." : $"; {validation.Count} images of {validation.ClassCount} held-out identities for validation."));

            var bar = new ConsoleProgressBar("train");
            var trainer = new FaceModelTrainer(options, message => { bar.Finish(); Console.Error.WriteLine(message); });
            var result = trainer.Train(train, validation, bar, cancel);
            bar.Finish();
            using var backbone = result.Backbone;

            string? modelPath = null;
            if (parse.GetValue(output) is { } target)
            {
                modelPath = ModelWriter.Save(options, result, target.FullName);
            }
            if (parse.GetValue(json) is { } jsonTarget)
            {
                TrainingReportJson.Write(TrainingReportJson.Build(options, result, modelPath, dataReport), jsonTarget);
            }
            return CommandRunner.Ok;
        }, token));
        return command;
    }

    private static (ITrainingImages Train, FaceImageSet? Validation, FaceDataReport Report) Load(
        string folder, FaceTrainerOptions options, FaceFolderLoadOptions loadOptions)
    {
        Console.Error.WriteLine($"Loading {folder} at {options.ImageSize}x{options.ImageSize} ...");
        var all = BadImageOption.LoadFolder(folder, options.ImageSize, loadOptions, out FaceDataReport report);
        var (train, validation) = options.ValidationFraction > 0
            ? all.SplitByIdentity(options.ValidationFraction, options.Seed)
            : (all, (FaceImageSet?)null);
        return (new InMemoryTrainingImages(train), validation, report);
    }

    // --stream: the folder is only scanned; the trainer's pipeline decodes each batch on background threads.
    // The folder is checked once up front (every image decoded and dropped) so that bad files are handled
    // by the --on-bad-image policy before training rather than failing a batch hours in.
    private static (ITrainingImages Train, FaceImageSet? Validation, FaceDataReport Report) Stream(
        string folder, FaceTrainerOptions options, FaceFolderLoadOptions loadOptions)
    {
        Console.Error.WriteLine($"Checking {folder} ...");
        FaceFolderCheckResult checkedFolder = BadImageOption.Check(folder, loadOptions);
        var (train, held) = options.ValidationFraction > 0
            ? checkedFolder.Usable.SplitByIdentity(options.ValidationFraction, options.Seed)
            : (checkedFolder.Usable, null);
        // The held-out identities are a small share and are embedded every epoch: they are loaded once.
        FaceImageSet? validation = held is null ? null : FaceImageSet.LoadFolder(held, options.ImageSize);
        Console.Error.WriteLine($"Streaming {folder} at {options.ImageSize}x{options.ImageSize} (decoded per batch).");
        return (new StreamingTrainingImages(train, options.ImageSize), validation, checkedFolder.Report);
    }
}
