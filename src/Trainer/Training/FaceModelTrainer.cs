using System.Diagnostics;
using KappaFace.MLNet.Trainer.Data;
using KappaFace.MLNet.Trainer.Evaluation;
using KappaFace.MLNet.Trainer.Platform;
using KappaFace.MLNet.Trainer.Training.Checkpoints;
using KappaFace.MLNet.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace KappaFace.MLNet.Trainer.Training;

/// <summary>
/// Trains a face-embedding backbone with a margin head on an image set (in memory or streamed from disk): the training loop,
/// its schedule, validation, progress, cancellation and checkpoints. Network, head and optimiser state
/// live in <see cref="TrainingState"/>; this class only drives them.
/// </summary>
public sealed class FaceModelTrainer
{
    private readonly FaceTrainerOptions _options;
    private readonly Action<string> _log;

    /// <summary>Creates a trainer. <paramref name="log"/> receives one-line messages (epoch summaries, warnings).</summary>
    public FaceModelTrainer(FaceTrainerOptions options, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _log = log ?? (_ => { });
    }

    /// <summary>
    /// Trains on <paramref name="train"/>; reports verification accuracy on <paramref name="validation"/> (held-out
    /// identities) after each epoch when given. On cancellation a checkpoint is written (when a checkpoint folder is
    /// set) and <see cref="OperationCanceledException"/> is thrown.
    /// </summary>
    /// <exception cref="ArgumentException">The image set does not fit the options (image size, classes).</exception>
    /// <exception cref="TrainingDivergedException">A step's loss was not finite; that update was not applied.</exception>
    public TrainingResult Train(
        FaceImageSet train,
        FaceImageSet? validation = null,
        IProgress<TrainingProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        return Train(new InMemoryTrainingImages(train), validation, progress, cancellationToken);
    }

    /// <summary>
    /// Trains on <paramref name="train"/>, whose images may be decoded on the fly
    /// (<see cref="StreamingTrainingImages"/>); otherwise as <see cref="Train(FaceImageSet, FaceImageSet?, IProgress{TrainingProgress}?, CancellationToken)"/>.
    /// The batches are the same, bit for bit, as for the same images in memory.
    /// </summary>
    /// <exception cref="ArgumentException">The image set does not fit the options (image size, classes).</exception>
    /// <exception cref="TrainingDivergedException">A step's loss was not finite; that update was not applied.</exception>
    /// <exception cref="FaceDataException">An image could not be decoded; a checkpoint is written first when a folder is set.</exception>
    public TrainingResult Train(
        ITrainingImages train,
        FaceImageSet? validation = null,
        IProgress<TrainingProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        CheckData(train, validation);
        PrepareProcess();
        // The step loop must allocate from glibc's main arena to reuse its large buffers (MainArenaThread).
        return _options.TuneAllocator && GlibcAllocatorTuning.IsApplied
            ? MainArenaThread.Run(() => TrainSteps(train, validation, progress, cancellationToken), _log)
            : TrainSteps(train, validation, progress, cancellationToken);
    }

    private TrainingResult TrainSteps(
        ITrainingImages train, FaceImageSet? validation, IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        Device device = TorchDeviceSelector.Resolve(_options.Device);
        string scale = FormattableString.Invariant($"s = {_options.Margin.EffectiveScale(train.ClassCount):0.##}")
            + (_options.Margin.Scale is null ? " (from the class count)" : "");
        _log($"Training {_options.Margin.Loss} on {device.type.ToString().ToLowerInvariant()}: {train.Count} images, {train.ClassCount} classes, {scale}.");

        using var state = new TrainingState(_options, train, device);
        _log(state.DescribeMemory());
        var store = _options.CheckpointDirectory is null ? null : new CheckpointStore(_options.CheckpointDirectory, _options.CheckpointsToKeep);
        var reports = new List<EpochReport>();
        bool resumed = false;
        if (_options.Resume && store is not null)
        {
            var loaded = store.LoadNewestValid(e => _log($"Skipping damaged checkpoint: {e.Message}"));
            if (loaded is { } found)
            {
                reports.AddRange(state.Restore(found.Sections));
                resumed = true;
                _log($"Resumed from {found.Path} at step {state.CompletedSteps}.");
            }
        }

        if (!resumed && state.InitialiseFromBackbone() is { Margins.Length: > 0 } primed)
        {
            _log($"KappaFace started from the pretrained embeddings: first-epoch margins {primed.Margins.Min():F3}..{primed.Margins.Max():F3} " +
                 $"(mean {primed.Margins.Average():F3}).");
        }

        var validator = validation is null ? null : new VerificationValidator(validation, _options.ValidationPairs, _options.Seed);
        int stepsPerEpoch = EpochPlan.StepsPerEpoch(train.Count, _options.BatchSize);
        var schedule = new LearningRateSchedule(_options, stepsPerEpoch, _options.Epochs);
        long totalSteps = (long)stepsPerEpoch * _options.Epochs;
        var clock = Stopwatch.StartNew();
        long stepsThisProcess = 0;

        for (int epoch = (int)(state.CompletedSteps / stepsPerEpoch); epoch < _options.Epochs; epoch++)
        {
            var plan = new EpochPlan(train.Count, _options.BatchSize, _options.Seed, epoch, _options.HorizontalFlip);
            int firstStep = (int)(state.CompletedSteps - (long)epoch * stepsPerEpoch);
            var epochClock = Stopwatch.StartNew();
            double lossSum = state.EpochLossSum;
            int images = 0;
            double rate = 0;
            using var pipeline = new BatchPipeline(train, plan, firstStep, _options.DecodeWorkers ?? BatchPipeline.DefaultWorkers(train), _options.PrefetchBatches);
            for (int step = firstStep; step < stepsPerEpoch; step++)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    state.EpochLossSum = lossSum;
                    SaveCheckpoint(store, state, reports, "cancelled");
                    cancellationToken.ThrowIfCancellationRequested();
                }
                rate = schedule.RateAt(state.CompletedSteps);
                float[] batch = TakeBatch(pipeline, step, store, state, lossSum, reports, cancellationToken);
                double loss = state.Step(batch, plan.Batch(step), rate);
                if (!double.IsFinite(loss))
                {
                    var sources = plan.Batch(step).ToArray().Select(i => train.Sources[i]).ToList();
                    throw new TrainingDivergedException(epoch + 1, step + 1, loss, sources);
                }
                lossSum += loss;
                images += plan.Batch(step).Length;
                stepsThisProcess++;
                if (_options.CheckpointEverySteps > 0 && state.CompletedSteps % _options.CheckpointEverySteps == 0 && step + 1 < stepsPerEpoch)
                {
                    state.EpochLossSum = lossSum;
                    SaveCheckpoint(store, state, reports, null);
                }
                if (progress is not null && ((step + 1) % _options.ProgressEverySteps == 0 || step + 1 == stepsPerEpoch))
                {
                    double perStep = clock.Elapsed.TotalSeconds / stepsThisProcess;
                    progress.Report(new TrainingProgress(
                        epoch + 1, _options.Epochs, step + 1, stepsPerEpoch, state.CompletedSteps, totalSteps, loss, rate,
                        images / Math.Max(epochClock.Elapsed.TotalSeconds, 1e-9), clock.Elapsed,
                        TimeSpan.FromSeconds(perStep * (totalSteps - state.CompletedSteps))));
                }
            }
            double trainSeconds = epochClock.Elapsed.TotalSeconds;
            KappaFaceEpochValues? kappa = state.EndEpoch();
            double? accuracy = validator?.Accuracy(state.Backbone, device);
            var report = new EpochReport(
                epoch + 1, lossSum / stepsPerEpoch, rate,
                images / Math.Max(trainSeconds, 1e-9), epochClock.Elapsed.TotalSeconds, accuracy, kappa, ProcessMemory.PeakResidentBytes());
            reports.Add(report);
            state.EpochLossSum = 0;
            _log(Describe(report));
            SaveCheckpoint(store, state, reports, null);
        }
        return new TrainingResult(state.DetachBackbone(), reports, device.type == DeviceType.CPU ? "cpu" : $"cuda:{device.index}",
            train.ClassCount, train.Count);
    }

    private float[] TakeBatch(
        BatchPipeline pipeline, int step, CheckpointStore? store, TrainingState state, double lossSum, IReadOnlyList<EpochReport> reports,
        CancellationToken cancellationToken)
    {
        try
        {
            return pipeline.Take(step, cancellationToken);
        }
        catch (FaceDataException)
        {
            // A bad file found mid-epoch must not cost the steps already done. The checkpoint resumes only with the
            // same file list (the run's fingerprint counts the images), so the file must be replaced in place.
            state.EpochLossSum = lossSum;
            SaveCheckpoint(store, state, reports, "unreadable image; replace the file in place to resume from this checkpoint");
            throw;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            state.EpochLossSum = lossSum;
            SaveCheckpoint(store, state, reports, "cancelled");
            throw;
        }
    }

    private void CheckData(ITrainingImages train, FaceImageSet? validation)
    {
        if (train.ImageSize != _options.ImageSize)
        {
            throw new ArgumentException(
                $"The training images are {train.ImageSize}x{train.ImageSize} but ImageSize is {_options.ImageSize}; load them at the model's size.",
                nameof(train));
        }
        if (train.ClassCount < 2)
        {
            throw new ArgumentException($"Training needs at least 2 identities; the set has {train.ClassCount}.", nameof(train));
        }
        if (train.Count < 2)
        {
            throw new ArgumentException($"Training needs at least 2 images; the set has {train.Count}.", nameof(train));
        }
        if (validation is not null && validation.ImageSize != _options.ImageSize)
        {
            throw new ArgumentException(
                $"The validation images are {validation.ImageSize}x{validation.ImageSize} but ImageSize is {_options.ImageSize}.",
                nameof(validation));
        }
        long singletons = train.ClassCounts().Count(c => c == 1);
        if (singletons > 0)
        {
            _log($"Warning: {singletons} identities have a single training image; their KappaFace concentration is undefined and is clamped (docs/kappaface.md, Edge cases).");
        }
    }

    private void PrepareProcess()
    {
        if (_options.TuneAllocator && GlibcAllocatorTuning.TryApply() is { } reason)
        {
            _log($"Allocator tuning not applied: {reason}.");
        }
        if (_options.Threads is int threads)
        {
            torch.set_num_threads(threads);
        }
    }

    private void SaveCheckpoint(CheckpointStore? store, TrainingState state, IReadOnlyList<EpochReport> reports, string? reason)
    {
        if (store is null)
        {
            return;
        }
        string path = store.Save(state.CompletedSteps, state.Capture(reports));
        if (reason is not null)
        {
            _log($"Checkpoint written ({reason}): {path}");
        }
    }

    private static string Describe(EpochReport r)
    {
        string accuracy = r.ValidationAccuracy is double a ? $", validation accuracy {a:P2}" : "";
        string kappa = r.KappaFace is { } k && k.Margins.Length > 0
            ? $", margins {k.Margins.Min():F3}..{k.Margins.Max():F3} (mean {k.Margins.Average():F3}), kappa {k.Kappa.Min():F1}..{k.Kappa.Max():F1}"
            : "";
        return $"Epoch {r.Epoch}: loss {r.Loss:F4}, lr {r.LearningRate:G4}, {r.ImagesPerSecond:F1} images/s, {r.Seconds:F1} s{accuracy}{kappa}.";
    }
}
