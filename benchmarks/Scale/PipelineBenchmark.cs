using System.Diagnostics;
using KappaFace.MLNet.Trainer.Backbones;
using KappaFace.MLNet.Trainer.Data;
using KappaFace.MLNet.Trainer.Heads;
using KappaFace.MLNet.Trainer.Training;
using KappaFace.MLNet.Data;

namespace KappaFace.MLNet.Benchmarks.Scale;

/// <summary>
/// Streaming decode pipeline images/s (JPEG files, 112 px, batch 64) with 1 and more workers, against the trainer's
/// step images/s (MobileFaceNet, batch 64, in-memory images), in one run so the ratio is meaningful.
/// </summary>
internal static class PipelineBenchmark
{
    private const int Size = 112;
    private const int Batch = 64;

    public static void Run(string folder, int trainerSteps)
    {
        var images = StreamingTrainingImages.FromFolder(folder, Size);
        Console.WriteLine();
        Console.WriteLine($"### Streaming pipeline vs trainer ({images.Count} images of {folder}, {Size} px, batch {Batch}; load {Machine.LoadAverage()})");
        Console.WriteLine();
        Console.WriteLine("| what | images/s |");
        Console.WriteLine("|---|---:|");
        var workerCounts = new[] { 1, BatchPipeline.DefaultWorkers(images), Environment.ProcessorCount }.Distinct().ToArray();
        var pipelineRates = new Dictionary<int, double>();
        foreach (int workers in workerCounts)
        {
            pipelineRates[workers] = PipelineRate(images, workers);
            Console.WriteLine($"| pipeline, {workers} decode worker(s) | {pipelineRates[workers]:F0} |");
        }
        // The trainer on the same files, loaded into memory and streamed: enough identities for the measured steps.
        var subset = Subset(ImageFolder.Scan(folder), Batch * (trainerSteps + 2));
        double inMemory = TrainerRate(new InMemoryTrainingImages(FaceImageSet.LoadFolder(subset, Size)));
        Console.WriteLine($"| trainer step, MobileFaceNet, images in memory | {inMemory:F1} |");
        double streamed = TrainerRate(new StreamingTrainingImages(subset, Size));
        Console.WriteLine($"| trainer step, MobileFaceNet, images streamed ({BatchPipeline.DefaultWorkers(images)} worker(s)) | {streamed:F1} |");
        Console.WriteLine();
        foreach (var (workers, rate) in pipelineRates)
        {
            Console.WriteLine($"Pipeline with {workers} worker(s) / trainer (in memory): {rate / inMemory:F1}x");
        }
        Console.WriteLine($"Streamed / in-memory trainer: {streamed / inMemory:F2}x");
        Console.WriteLine($"(load after: {Machine.LoadAverage()})");
    }

    private static double PipelineRate(StreamingTrainingImages images, int workers)
    {
        var plan = new EpochPlan(images.Count, Batch, seed: 1, epoch: 0, horizontalFlip: true);
        var clock = Stopwatch.StartNew();
        using var pipeline = new BatchPipeline(images, plan, 0, workers, capacity: 3);
        for (int step = 0; step < plan.StepCount; step++)
        {
            pipeline.Take(step);
        }
        return plan.StepCount * Batch / clock.Elapsed.TotalSeconds;
    }

    private static ImageFolderScan Subset(ImageFolderScan scan, int images)
    {
        var identities = new List<ImageFolderIdentity>();
        foreach (var identity in scan.Identities)
        {
            if (identities.Sum(i => i.Images.Count) >= images)
            {
                break;
            }
            identities.Add(identity);
        }
        return new ImageFolderScan(scan.Directory, identities, []);
    }

    // Median step time of FaceModelTrainer over one epoch, after two warm-up steps.
    private static double TrainerRate(ITrainingImages data)
    {
        var options = new FaceTrainerOptions
        {
            Backbone = BackboneKind.MobileFaceNet, ImageSize = Size, BatchSize = Batch, Epochs = 1, Device = "cpu",
            Margin = new MarginOptions { Loss = MarginLossKind.KappaFace },
        };
        var times = new List<double>();
        TimeSpan last = TimeSpan.Zero;
        var progress = new StepTimer(p =>
        {
            times.Add((p.Elapsed - last).TotalSeconds);
            last = p.Elapsed;
        });
        new FaceModelTrainer(options).Train(data, progress: progress).Backbone.Dispose();
        var measured = times.Skip(2).Order().ToArray();
        return Batch / measured[measured.Length / 2];
    }

    private sealed class StepTimer(Action<TrainingProgress> onStep) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => onStep(value);
    }
}
