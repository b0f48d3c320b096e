using System.Globalization;
using System.Text.Json;
using KappaFace.MLNet.Tests.Shared;
using KappaFace.MLNet.Trainer.Backbones;
using KappaFace.MLNet.Trainer.Heads;
using KappaFace.MLNet.Trainer.MLNet;
using KappaFace.MLNet.Trainer.Training;
using KappaFace.MLNet.Data;
using KappaFace.MLNet.Transforms;
using Microsoft.ML;
using Microsoft.ML.Data;
using SkiaSharp;
using TorchSharp;

namespace KappaFace.MLNet.Benchmarks.PeerComparison;

/// <summary>
/// Our side, timed through the public entry points users take (batch prefetching on a background thread, the
/// KappaFace memory buffer, gradient clipping, SGD with momentum and weight decay): the trainer called directly,
/// the ML.NET estimator's Fit called from a thread-pool thread, and the <c>kappaface train</c> command.
/// </summary>
internal sealed class OurTrainer(BenchmarkSettings settings)
{
    private FaceImageSet? _data;

    /// <summary>The trainer called on this thread (the process's first thread when run from Program).</summary>
    public StepTimes Train(string backbone)
        => Time((progress, cancel) =>
            new FaceModelTrainer(Options(backbone)).Train(Data(), progress: progress, cancellationToken: cancel).Backbone.Dispose());

    /// <summary>
    /// <c>mlContext.FaceRecognition().Trainers.KappaFace(options).Fit(data)</c> on a thread-pool thread, as a
    /// notebook or a web service calls it. Pixels go in as the image column, so no decoding is timed.
    /// </summary>
    public StepTimes TrainWithEstimator(string backbone)
    {
        var ml = new MLContext(seed: 1);
        IDataView rows = Rows(ml, Data());
        using var model = new TempFolder();
        return Time((progress, cancel) => Task.Run(() =>
        {
            var options = new FaceRecognitionTrainerOptions
            {
                Training = Options(backbone), Progress = progress, CancellationToken = cancel,
                ModelPath = Path.Combine(model.Path, "model.onnx"),
            };
            _ = ml.FaceRecognition().Trainers.KappaFace(options).Fit(rows);
        }, CancellationToken.None).GetAwaiter().GetResult());
    }

    /// <summary>
    /// <c>kappaface train</c> as a child process on a folder of PNG files made from <see cref="Data"/>'s pixels:
    /// epoch 1 warms up, epoch 2 is timed. The command reports the epoch's images/s only, so every step of the
    /// result carries the epoch's average (median = mean for this contender).
    /// </summary>
    public StepTimes TrainWithCli(string backbone, string cli)
    {
        using var folder = new TempFolder();
        FaceImageSet data = Data();
        int images = CliImages();
        for (int i = 0; i < images; i++)
        {
            byte[] pixels = data.GetPixels(i).ToArray();
            int plane = settings.Size * settings.Size;
            folder.Image($"data/{data.ClassNames[data.Labels[i]]}/{i:D5}.png", settings.Size, settings.Size,
                (x, y) => new SKColor(pixels[(y * settings.Size) + x], pixels[plane + (y * settings.Size) + x], pixels[(2 * plane) + (y * settings.Size) + x]));
        }
        string report = Path.Combine(folder.Path, "report.json");
        string[] arguments =
        [
            "train", "--data", Path.Combine(folder.Path, "data"), "--backbone", backbone, "--image-size", Num(settings.Size),
            "--embedding-size", Num(settings.Embedding), "--batch-size", Num(settings.Batch), "--epochs", "2", "--lr", "0.01",
            "--threads", Num(settings.Threads), "--out", Path.Combine(folder.Path, "model.onnx"), "--json", report,
        ];
        (string program, string[] all) = cli.EndsWith(".dll", StringComparison.Ordinal)
            ? (ChildProcess.DotnetHost(), ["exec", cli, .. arguments])
            : (cli, arguments);
        _ = ContenderProcess.Run(program, all, new Dictionary<string, string?>(), TimeSpan.FromMinutes(60));
        using var json = JsonDocument.Parse(File.ReadAllText(report));
        double rate = json.RootElement.GetProperty("epochs")[1].GetProperty("imagesPerSecond").GetDouble();
        int steps = images / settings.Batch;
        return new StepTimes(Enumerable.Repeat(settings.Batch / rate, steps).ToList(), settings.Batch);
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
            int images = Math.Max(Math.Max(settings.Classes, settings.Batch * (settings.Warmup + settings.Steps + 1)), CliImages());
            var pixels = new byte[(long)images * 3 * settings.Size * settings.Size];
            new Random(1).NextBytes(pixels);
            var labels = Enumerable.Range(0, images).Select(i => i % settings.Classes).ToArray();
            var names = Enumerable.Range(0, settings.Classes).Select(c => $"c{c:D4}").ToArray();
            _data = FaceImageSet.FromPixels(settings.Size, pixels, labels, names);
        }
        return _data;
    }

    /// <summary>The command's epoch: whole batches, at least the timed steps and one image of every class.</summary>
    private int CliImages()
    {
        int steps = Math.Max(settings.Steps, (settings.Classes + settings.Batch - 1) / settings.Batch);
        return steps * settings.Batch;
    }

    private FaceTrainerOptions Options(string backbone) => new()
    {
        Backbone = BackboneFactory.Parse(backbone), ImageSize = settings.Size, EmbeddingSize = settings.Embedding,
        BatchSize = settings.Batch, Epochs = 1, Device = "cpu", Threads = settings.Threads, LearningRate = 0.01,
        Margin = new MarginOptions { Loss = MarginLossKind.KappaFace },
    };

    /// <summary>The set as estimator rows: a key label and the pixels as Vector&lt;Single, 3 x S x S&gt; (0..255).</summary>
    private static IDataView Rows(MLContext ml, FaceImageSet set)
    {
        var rows = Enumerable.Range(0, set.Count).Select(i => new PixelRow
        {
            Identity = set.ClassNames[set.Labels[i]],
            Image = [.. set.GetPixels(i).ToArray().Select(b => (float)b)],
        }).ToList();
        var schema = SchemaDefinition.Create(typeof(PixelRow));
        schema[nameof(PixelRow.Image)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, 3 * set.ImageSize * set.ImageSize);
        IDataView data = ml.Data.LoadFromEnumerable(rows, schema);
        return ml.Transforms.Conversion.MapValueToKey("Label", nameof(PixelRow.Identity)).Fit(data).Transform(data);
    }

    /// <summary>
    /// One timed run. The heap then gives its free pages back: with the library's allocator tuning glibc keeps the
    /// freed activations (~9 GB for IResNet-50 at batch 64), and the PyTorch child that runs next ran out of memory.
    /// </summary>
    private StepTimes Time(Action<IProgress<TrainingProgress>, CancellationToken> run)
    {
        try
        {
            return new StepTimes(StepClock.Time(settings.Warmup, settings.Steps, run), settings.Batch);
        }
        finally
        {
            _ = HeapTrim.Run();
        }
    }

    private static string Num(int value) => value.ToString(CultureInfo.InvariantCulture);

    private sealed class PixelRow
    {
        public string Identity { get; set; } = "";

        public float[] Image { get; set; } = [];
    }
}
