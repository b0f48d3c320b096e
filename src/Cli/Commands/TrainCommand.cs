using System.CommandLine;
using KappaFace.MLNet.Cli.Output;
using KappaFace.MLNet.Trainer.Data;
using KappaFace.MLNet.Trainer.Training;
using KappaFace.MLNet.Data;

namespace KappaFace.MLNet.Cli.Commands;

/// <summary><c>kappaface train</c>: trains on an image folder (docs/cli.md).</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var data = new Option<DirectoryInfo>("--data") { Description = "Image folder: DIR/<identity>/<image>.", Required = true };
        var output = new Option<FileInfo?>("--out") { Description = "Where to write the trained model." };
        var valFraction = new Option<double>("--val-fraction") { Description = "Fraction of identities held out for per-epoch verification accuracy.", DefaultValueFactory = _ => 0 };
        var json = new JsonOption("the training report");
        var onBadImage = BadImageOption.Create();
        var stream = new Option<bool>("--stream") { Description = "Decode images on the fly on background threads instead of loading the folder into memory." };
        var training = new TrainingOptionSet(new FaceTrainerOptions());
        var photos = new PhotoOptions(detectorUse: " Given, --data holds photos: they are aligned at --image-size once, into --checkpoint-dir (else beside --out), and reused while unchanged.");

        var command = new Command("train", "Train a face-embedding model on an image folder.") { data, output, valFraction, json.Option, onBadImage, stream };
        training.AddTo(command);
        photos.AddTo(command);
        command.SetAction((parse, token) => CommandRunner.RunAsync(cancel =>
        {
            var options = training.Read(parse);
            double validationFraction = parse.GetValue(valFraction);
            if (validationFraction is < 0 or >= 1)
            {
                throw new ArgumentException($"--val-fraction {validationFraction} must be in [0, 1).");
            }
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

            var checks = BadImageOption.Read(parse, onBadImage);
            string folder = parse.GetValue(data)!.FullName;
            var aligned = photos.DetectorPath(parse) is null
                ? null
                : TrainingPhotos.Align(photos, parse, folder, options, parse.GetValue(output)?.FullName, checks.OnBadImage, cancel);
            folder = aligned?.Path ?? folder;
            var folderOptions = new TrainingFolderOptions
            {
                ImageSize = options.ImageSize,
                ValidationFraction = validationFraction,
                Seed = options.Seed,
                Stream = parse.GetValue(stream),
                DataChecks = checks,
            };
            var (train, validation, dataReport) = FaceDataConsole.Checked(
                () => TrainingFolder.Load(folder, folderOptions, Console.Error.WriteLine), checks.OnBadImage);
            FaceDataConsole.WriteSummary(dataReport);
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
            var document = TrainingReportJson.Build(options, result, modelPath, dataReport);
            if (aligned is not null)
            {
                document["alignment"] = TrainingPhotos.ToJson(aligned);
            }

            json.Write(parse, document);
            return CommandRunner.Ok;
        }, token));
        return command;
    }
}
