using System.Diagnostics;
using KappaFace.MLNet.Onnx;
using KappaFace.MLNet.Tests.Shared;
using KappaFace.MLNet.Trainer.Training;
using KappaFace.MLNet.Trainer.Training.Checkpoints;
using KappaFace.MLNet.Data;
using Xunit.Abstractions;

namespace KappaFace.MLNet.Cli.Tests;

/// <summary>Crash safety of <c>kappaface train</c> from a fresh backbone (<see cref="KillResumeScenarios"/>).</summary>
public sealed class KillResumeTests(KillResumeScenarios.FreshRun reference, ITestOutputHelper output)
    : KillResumeScenarios(reference, output), IClassFixture<KillResumeScenarios.FreshRun>;

/// <summary>Crash safety of <c>kappaface train --init</c>, fine-tuning an exported model (<see cref="KillResumeScenarios"/>).</summary>
public sealed class KillResumeFineTuningTests(KillResumeScenarios.FineTuningRun reference, ITestOutputHelper output)
    : KillResumeScenarios(reference, output), IClassFixture<KillResumeScenarios.FineTuningRun>;

/// <summary>
/// Crash safety of <c>kappaface train</c> as a real OS process: SIGKILL (<c>kill -9</c>) at seeded random
/// points, restarts with <c>--resume</c>, and a truncated newest checkpoint; each time the final model
/// must equal an uninterrupted run's (CPU, one thread, fixed seed).
/// </summary>
public abstract class KillResumeScenarios
{
    private const int MaxKills = 10;

    /// <summary>Every kill lands within this many checkpoints of the run's start, so the kills cannot use up the run.</summary>
    private const int MaxStepsPerRun = 3;
    private static readonly TimeSpan ProcessTimeout = TimeSpan.FromMinutes(2);
    private readonly UninterruptedRun _reference;
    private readonly ITestOutputHelper _output;

    protected KillResumeScenarios(UninterruptedRun reference, ITestOutputHelper output)
    {
        _reference = reference;
        _output = output;
    }

    private enum KillPoint
    {
        /// <summary>A few milliseconds after the newest checkpoint reaches a random step 1 to 3 steps on.</summary>
        AfterStep,

        /// <summary>As soon as a checkpoint's temporary file is seen: the write is in progress.</summary>
        DuringCheckpointWrite,

        /// <summary>A random time after the start (loading or training), at the latest <see cref="MaxStepsPerRun"/> steps on.</summary>
        AfterDelay,
    }

    [Fact]
    public void Training_killed_at_random_points_resumes_to_the_uninterrupted_model()
    {
        using var folder = new TempFolder();
        string checkpoints = Path.Combine(folder.Path, "ckpt");
        string model = Path.Combine(folder.Path, "killed.onnx");
        var store = new CheckpointStore(checkpoints, keep: 3);
        var random = new Random(20261129);
        int kills = 0, killsMidWrite = 0, resumes = 0;
        string finalStderr;
        var points = Enum.GetValues<KillPoint>();
        while (true)
        {
            long startStep = NewestStep(store);
            DateTime started = DateTime.UtcNow;
            using var process = CliProcess.Start(_reference.TrainArguments(checkpoints, model));
            KillPoint point = points[kills % points.Length];
            if (kills < MaxKills && TryKill(process, store, point, startStep, random))
            {
                kills++;
                // A temp file from an earlier kill may still be there; only one written by this process counts.
                bool midWrite = store.StrayTemporaryFiles().Any(path => File.GetLastWriteTimeUtc(path) >= started);
                killsMidWrite += midWrite ? 1 : 0;
                resumes += process.Stderr.Contains("Resumed from", StringComparison.Ordinal) ? 1 : 0;
                _output.WriteLine($"kill {kills} ({point}): started at step {startStep}, newest checkpoint now {NewestStep(store)}, temp file left: {midWrite}");
                continue;
            }

            Assert.True(process.WaitForExit(ProcessTimeout) == 0, process.Stderr);
            finalStderr = process.Stderr;
            break;
        }

        _output.WriteLine($"{kills} kills, {killsMidWrite} during a checkpoint write, {resumes} killed runs had resumed");
        Assert.True(kills == MaxKills, $"only {kills} kills landed before the run completed");
        Assert.Contains("Resumed from", finalStderr, StringComparison.Ordinal);
        Assert.Empty(store.StrayTemporaryFiles());
        _reference.AssertSameModel(model, _output);
    }

    [Fact]
    public void A_truncated_newest_checkpoint_is_skipped_and_the_resumed_model_still_matches()
    {
        using var folder = new TempFolder();
        string checkpoints = Path.Combine(folder.Path, "ckpt");
        string model = Path.Combine(folder.Path, "truncated.onnx");
        var store = new CheckpointStore(checkpoints, keep: 3);
        using (var first = CliProcess.Start(_reference.TrainArguments(checkpoints, model)))
        {
            Assert.True(
                TryKill(first, store, KillPoint.AfterStep, startStep: UninterruptedRun.TotalSteps / 2, new Random(1)),
                "the run finished before it could be killed: " + first.Stderr);
        }

        var files = store.List();
        Assert.True(files.Count >= 2, $"need a fallback checkpoint, found {files.Count}");
        string newest = files[0], previous = files[1];
        byte[] bytes = File.ReadAllBytes(newest);
        File.WriteAllBytes(newest, bytes[..(bytes.Length / 2)]);

        using var second = CliProcess.Start(_reference.TrainArguments(checkpoints, model));
        Assert.True(second.WaitForExit(ProcessTimeout) == 0, second.Stderr);
        string stderr = second.Stderr;
        _output.WriteLine(stderr);
        Assert.Contains($"Skipping damaged checkpoint: {newest}", stderr, StringComparison.Ordinal);
        Assert.Contains($"Resumed from {previous}", stderr, StringComparison.Ordinal);
        _reference.AssertSameModel(model, _output);
    }

    /// <summary>Kills <paramref name="process"/> at <paramref name="point"/>; false when it exited on its own first.</summary>
    private static bool TryKill(CliProcess process, CheckpointStore store, KillPoint point, long startStep, Random random)
    {
        Func<bool> trigger;
        TimeSpan extra = TimeSpan.Zero;
        switch (point)
        {
            case KillPoint.AfterStep:
                // Close targets leave room for many kills before the run completes.
                long target = Math.Min(startStep + random.Next(1, MaxStepsPerRun + 1), UninterruptedRun.TotalSteps - 1);
                trigger = () => NewestStep(store) >= target;
                extra = TimeSpan.FromMilliseconds(random.Next(0, 6));
                break;
            case KillPoint.DuringCheckpointWrite:
                // Temp files of an earlier kill stay until this process's first save deletes them; only
                // a temp file seen after that save is a write in progress.
                trigger = () => NewestStep(store) > startStep && store.StrayTemporaryFiles().Count > 0;
                break;
            default:
                var delay = TimeSpan.FromMilliseconds(random.Next(300, 2500));
                var clock = Stopwatch.StartNew();
                trigger = () => clock.Elapsed >= delay;
                break;
        }

        // The cap matters on a loaded machine, where polling can miss a short checkpoint write.
        long cap = Math.Min(startStep + MaxStepsPerRun, UninterruptedRun.TotalSteps - 1);
        bool due() => trigger() || NewestStep(store) >= cap;

        var timeout = Stopwatch.StartNew();
        while (!due())
        {
            if (process.HasExited)
            {
                return false;
            }
            Assert.True(timeout.Elapsed < ProcessTimeout, "the kill point was never reached: " + process.Stderr);
            Thread.Yield();
        }

        if (extra > TimeSpan.Zero)
        {
            Thread.Sleep(extra);
        }
        if (process.HasExited)
        {
            return false;
        }
        process.KillHard();
        return true;
    }

    private static long NewestStep(CheckpointStore store) =>
        store.List() is [var newest, ..] ? CheckpointStore.StepOf(newest) ?? 0 : 0;

    /// <summary>The synthetic face folder and the model of one uninterrupted run on it, shared by the tests.</summary>
    public abstract class UninterruptedRun : IDisposable
    {
        public const int Epochs = 10;
        public const int BatchSize = 4;
        public static readonly int TotalSteps =
            Epochs * EpochPlan.StepsPerEpoch(FaceFolderFixture.Identities * FaceFolderFixture.ImagesPerIdentity, BatchSize);

        private readonly FaceFolderFixture _faces = new();

        /// <summary>Runs the uninterrupted training; <paramref name="network"/> picks the network it starts from.</summary>
        protected UninterruptedRun(Func<FaceFolderFixture, string[]> network)
        {
            _network = network(_faces);
            ModelPath = _faces.File("uninterrupted.onnx");
            // Checkpoints every step here too, so the only difference between the runs is the kills.
            using var process = CliProcess.Start(TrainArguments(_faces.File("uninterrupted-ckpt"), ModelPath));
            Assert.True(process.WaitForExit(ProcessTimeout) == 0, process.Stderr);
            Assert.DoesNotContain("Resumed from", process.Stderr, StringComparison.Ordinal);
        }

        private readonly string[] _network;

        public string ModelPath { get; }

        /// <summary>
        /// The network, 32 px, KappaFace (the loss with the most state to restore), one libtorch thread
        /// (bit-reproducible), a checkpoint after every step, and always --resume (a fresh folder starts fresh).
        /// </summary>
        public string[] TrainArguments(string checkpointDirectory, string modelPath) =>
        [
            "train", "--data", _faces.DataFolder, "--out", modelPath, .. _network,
            "--epochs", Epochs.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--batch-size", BatchSize.ToString(System.Globalization.CultureInfo.InvariantCulture), "--loss", "kappaface",
            "--seed", "11", "--threads", "1", "--device", "cpu",
            "--checkpoint-dir", checkpointDirectory, "--checkpoint-every", "1", "--resume",
        ];

        /// <summary>Embeds every image of the folder with both models; the embeddings must agree to 1e-6 (expected: exactly).</summary>
        public void AssertSameModel(string modelPath, ITestOutputHelper output)
        {
            float[] expected = EmbedAll(ModelPath), actual = EmbedAll(modelPath);
            Assert.Equal(expected.Length, actual.Length);
            double max = expected.Zip(actual, (a, b) => Math.Abs((double)a - b)).Max();
            output.WriteLine($"max |embedding difference| over {FaceFolderFixture.Identities * FaceFolderFixture.ImagesPerIdentity} images: {max:G3}");
            Assert.True(max <= 1e-6, $"the resumed model differs from the uninterrupted one: max |difference| {max:G3}");
        }

        public void Dispose()
        {
            _faces.Dispose();
            GC.SuppressFinalize(this);
        }

        private float[] EmbedAll(string modelPath)
        {
            using var embedder = FaceEmbedder.Open(modelPath, new FaceEmbedderOptions { ExecutionProvider = "cpu" });
            var images = Directory.EnumerateFiles(_faces.DataFolder, "*.png", SearchOption.AllDirectories)
                .Order(StringComparer.Ordinal)
                .Select(path => FaceImageFile.Decode(path, embedder.InputSize).Select(b => (float)b).ToArray())
                .ToList();
            return embedder.Embed(images).Vectors.ToArray();
        }
    }

    /// <summary>A fresh tiny backbone at 32 px with 16-long embeddings.</summary>
    public sealed class FreshRun() : UninterruptedRun(_ => FreshNetwork);

    /// <summary>
    /// Fine-tuning (<c>--init</c>) a model that one short <c>kappaface train</c> run made first: the imported
    /// backbone, the class centres from its embeddings, KappaFace's primed memory and frozen batch norms must
    /// all survive a kill.
    /// </summary>
    public sealed class FineTuningRun() : UninterruptedRun(ParentModel);

    private static readonly string[] FreshNetwork = ["--backbone", "tiny", "--image-size", "32", "--embedding-size", "16"];

    private static string[] ParentModel(FaceFolderFixture faces)
    {
        string parent = faces.File("parent.onnx");
        using var process = CliProcess.Start(
            ["train", "--data", faces.DataFolder, "--out", parent, .. FreshNetwork, "--epochs", "1", "--batch-size", "4", "--seed", "3", "--threads", "1", "--device", "cpu"]);
        Assert.True(process.WaitForExit(ProcessTimeout) == 0, process.Stderr);
        return ["--init", parent];
    }
}
