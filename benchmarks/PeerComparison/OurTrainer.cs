using System.Diagnostics;
using KappaFace.MLNet.Trainer.Backbones;
using KappaFace.MLNet.Trainer.Heads;
using KappaFace.MLNet.Trainer.Training;
using KappaFace.MLNet.Data;
using TorchSharp;

namespace KappaFace.MLNet.Benchmarks.PeerComparison;

/// <summary>
/// Our side, timed through the public trainer exactly as users run it (batch prefetching on a background
/// thread, the KappaFace memory buffer, gradient clipping, SGD with momentum and weight decay).
/// </summary>
internal sealed class OurTrainer(BenchmarkSettings settings)
{
    private FaceImageSet? _data;

    /// <summary>
    /// One short run: the trainer is cancelled once warm-up plus timed steps are done, because an epoch must
    /// hold at least one image of each of the 1000 classes (16 steps at batch 64), more than we time.
    /// </summary>
    public StepTimes Train(string backbone)
    {
        var options = new FaceTrainerOptions
        {
            Backbone = BackboneFactory.Parse(backbone), ImageSize = settings.Size, EmbeddingSize = settings.Embedding,
            BatchSize = settings.Batch, Epochs = 1, Device = "cpu", Threads = settings.Threads, LearningRate = 0.01,
            Margin = new MarginOptions { Loss = MarginLossKind.KappaFace },
        };
        int wanted = settings.Warmup + settings.Steps;
        var seconds = new List<double>();
        using var cancel = new CancellationTokenSource();
        TimeSpan last = TimeSpan.Zero;
        var progress = new SynchronousProgress(p =>
        {
            seconds.Add((p.Elapsed - last).TotalSeconds);
            last = p.Elapsed;
            if (seconds.Count == wanted)
            {
                cancel.Cancel();
            }
        });
        try
        {
            new FaceModelTrainer(options).Train(Data(), progress: progress, cancellationToken: cancel.Token).Backbone.Dispose();
        }
        catch (OperationCanceledException) when (seconds.Count == wanted)
        {
            // The planned stop.
        }
        finally
        {
            // Tensors the trainer left to the finaliser go first, then the heap returns its free pages.
            GC.Collect();
            GC.WaitForPendingFinalizers();
            _ = HeapTrim.Run();
        }
        if (seconds.Count < wanted)
        {
            throw new InvalidOperationException($"Our trainer ran {seconds.Count} steps; {wanted} were needed (raise --classes or lower --steps).");
        }
        return new StepTimes(seconds.Skip(settings.Warmup).ToList(), settings.Batch);
    }

    /// <summary>TorchSharp's float32 matmul ceiling (MatmulPeak, the same measurement as OnnxVsTorch), as GFLOP/s.</summary>
    public double MatmulGflops()
    {
        torch.set_num_threads(settings.Threads);
        return MatmulPeak.Torch(settings.MatmulSize, seconds: 3);
    }

    /// <summary>Random pixels (timing does not depend on them): every class once, and enough images for the steps.</summary>
    public FaceImageSet Data()
    {
        if (_data is null)
        {
            int images = Math.Max(settings.Classes, settings.Batch * (settings.Warmup + settings.Steps + 1));
            var pixels = new byte[(long)images * 3 * settings.Size * settings.Size];
            new Random(1).NextBytes(pixels);
            var labels = Enumerable.Range(0, images).Select(i => i % settings.Classes).ToArray();
            var names = Enumerable.Range(0, settings.Classes).Select(c => $"c{c}").ToArray();
            _data = FaceImageSet.FromPixels(settings.Size, pixels, labels, names);
        }
        return _data;
    }

    /// <summary>Reports on the training thread (Progress&lt;T&gt; would post to the thread pool and lose the step boundary).</summary>
    private sealed class SynchronousProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
