using KappaFace.MLNet.Trainer.Backbones;
using KappaFace.MLNet.Trainer.Heads;
using KappaFace.MLNet.Trainer.MLNet;
using KappaFace.MLNet.Trainer.Training;
using KappaFace.MLNet.Transforms;
using KappaFace.MLNet.Onnx;
using Microsoft.ML;
using Microsoft.ML.Data;
using Xunit;

namespace KappaFace.MLNet.Trainer.Tests.MLNet;

/// <summary>Fit on small synthetic data: the returned chain, logging, progress, seed, device choice, options handling.</summary>
public class FaceRecognitionTrainerFitTests
{
    private const int Size = 32;

    private static FaceRecognitionTrainerOptions Options(string? modelPath = null, IProgress<TrainingProgress>? progress = null) => new()
    {
        ModelPath = modelPath,
        Progress = progress,
        Training = new FaceTrainerOptions
        {
            Backbone = BackboneKind.Tiny, ImageSize = Size, EmbeddingSize = 16, Epochs = 2, BatchSize = 8, LearningRate = 0.05,
            Margin = new MarginOptions { Scale = 16 },
        },
    };

    private sealed class ListProgress : IProgress<TrainingProgress>
    {
        public List<TrainingProgress> Reports { get; } = [];

        public void Report(TrainingProgress value) => Reports.Add(value);
    }

    [Fact]
    public void Fit_trains_exports_logs_and_returns_a_saveable_embedding_chain()
    {
        var ml = new MLContext(seed: 3);
        var log = new List<string>();
        ml.Log += (_, e) => { lock (log) { log.Add(e.Message); } };
        IDataView data = TrainerRows.Synthetic(ml, Size);
        string modelPath = Path.Combine(Path.GetTempPath(), $"kappaface-test-{Guid.NewGuid():N}.onnx");
        var progress = new ListProgress();
        FaceRecognitionTrainerOptions options = Options(modelPath, progress);
        try
        {
            FaceRecognitionTrainer trainer = ml.FaceRecognition().Trainers.CosFace(options);
            SchemaShape predicted = trainer.GetOutputSchema(TrainerRows.Shape(data.Schema));
            TransformerChain<ITransformer> model = trainer.Fit(data);
            IDataView embedded = model.Transform(data);

            // Output schema: as predicted, D floats per row.
            var column = embedded.Schema[FaceColumnNames.Embedding];
            var type = Assert.IsType<VectorDataViewType>(column.Type);
            Assert.Equal(16, type.Size);
            SchemaShape.Column shape = predicted.Single(c => c.Name == FaceColumnNames.Embedding);
            Assert.Equal(TrainerRows.Shape(embedded.Schema).Select(c => c.Name).Order(), predicted.Select(c => c.Name).Order());
            Assert.Equal(type.ItemType, shape.ItemType);

            // The model file has the card of this run; the caller's options are not changed.
            Assert.Equal(modelPath, trainer.LastModelPath);
            ModelCard card = ModelCard.ReadFrom(modelPath);
            Assert.Equal("cosface", card.Loss);
            Assert.Equal(4, card.TrainingClasses);
            Assert.Equal(24, card.TrainingImages);
            Assert.Equal(MarginLossKind.KappaFace, options.Training.Margin.Loss);
            Assert.Equal("cpu", trainer.LastTraining!.Device);

            // Progress through IProgress and the MLContext log.
            Assert.Equal(2 * 3, progress.Reports.Count);
            Assert.Equal(2, progress.Reports[^1].Epoch);
            Assert.Contains(log, m => m.Contains("KappaFace", StringComparison.Ordinal) && m.Contains("Read 24 images of 4 identities", StringComparison.Ordinal));
            Assert.Contains(log, m => m.Contains("Epoch 2/2 step 3/3", StringComparison.Ordinal));

            // Embeddings are unit vectors and survive Save/Load in a fresh context.
            float[][] before = TrainerRows.Embeddings(embedded);
            Assert.All(before, e => Assert.InRange(Math.Sqrt(e.Sum(v => (double)v * v)), 0.999, 1.001));
            using var stream = new MemoryStream();
            ml.Model.Save(model, data.Schema, stream);
            stream.Position = 0;
            var fresh = new MLContext(seed: 9);
            ITransformer loaded = fresh.Model.Load(stream, out _);
            Assert.Equal(before, TrainerRows.Embeddings(loaded.Transform(TrainerRows.Synthetic(fresh, Size))));
        }
        finally
        {
            File.Delete(modelPath);
        }
    }

    [Fact]
    public void A_validation_fraction_holds_out_whole_identities_and_reports_accuracy_each_epoch()
    {
        var ml = new MLContext(seed: 3);
        var log = new List<string>();
        ml.Log += (_, e) => { lock (log) { log.Add(e.Message); } };
        IDataView data = TrainerRows.Synthetic(ml, Size);
        string modelPath = Path.Combine(Path.GetTempPath(), $"kappaface-test-{Guid.NewGuid():N}.onnx");
        FaceRecognitionTrainerOptions options = Options(modelPath) with { ValidationFraction = 0.5 };
        try
        {
            FaceRecognitionTrainer trainer = ml.FaceRecognition().Trainers.ArcFace(options);
            trainer.Fit(data);

            // 4 identities of 6 images: half of them are held out, so the model saw 2 identities, 12 images.
            ModelCard card = ModelCard.ReadFrom(modelPath);
            Assert.Equal(2, card.TrainingClasses);
            Assert.Equal(12, card.TrainingImages);
            Assert.Equal(2, trainer.LastTraining!.Epochs.Count);
            Assert.All(trainer.LastTraining.Epochs, e => Assert.InRange(e.ValidationAccuracy!.Value, 0.0, 1.0));
            Assert.Contains(log, m => m.Contains("Held out 2 identities (12 images)", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(modelPath);
        }
    }

    [Fact]
    public void The_training_seed_decides_the_model_whatever_the_MLContext_seed()
    {
        float[][] Run(int contextSeed, int seed)
        {
            var ml = new MLContext(contextSeed);
            IDataView data = TrainerRows.Synthetic(ml, Size);
            FaceRecognitionTrainerOptions options = Options();
            options = options with { Training = options.Training with { Epochs = 1, Seed = seed } };
            var trainer = ml.FaceRecognition().Trainers.KappaFace(options);
            float[][] result = TrainerRows.Embeddings(trainer.Fit(data).Transform(data));
            File.Delete(trainer.LastModelPath!);
            return result;
        }

        Assert.Equal(Run(5, 1), Run(5, 1));
        Assert.Equal(Run(5, 42), Run(6, 42));
        Assert.NotEqual(Run(5, 1), Run(5, 42));
    }

    [SkippableFact]
    public void GpuDeviceId_without_CUDA_fails_clearly_unless_FallbackToCpu()
    {
        Skip.If(Platform.TorchDeviceSelector.IsCudaAvailable(), "CUDA is available here: the fallback cannot be observed.");
        var ml = new MLContext(1) { GpuDeviceId = 0 };
        IDataView data = TrainerRows.Synthetic(ml, Size);
        var e = Assert.Throws<InvalidOperationException>(() => ml.FaceRecognition().Trainers.KappaFace(Options()).Fit(data));
        Assert.Contains("GpuDeviceId is 0", e.Message, StringComparison.Ordinal);
        Assert.Contains("FallbackToCpu", e.Message, StringComparison.Ordinal);

        var fallback = new MLContext(1) { GpuDeviceId = 0, FallbackToCpu = true };
        var log = new List<string>();
        fallback.Log += (_, m) => { lock (log) { log.Add(m.Message); } };
        FaceRecognitionTrainerOptions options = Options();
        options = options with { Training = options.Training with { Epochs = 1 } };
        var trainer = fallback.FaceRecognition().Trainers.KappaFace(options);
        IDataView rows = TrainerRows.Synthetic(fallback, Size);
        float[][] embeddings = TrainerRows.Embeddings(trainer.Fit(rows).Transform(rows));
        File.Delete(trainer.LastModelPath!);
        Assert.Equal(24, embeddings.Length);
        Assert.Equal("cpu", trainer.LastTraining!.Device);
        Assert.Contains(log, m => m.Contains("training on the CPU (MLContext.FallbackToCpu)", StringComparison.Ordinal));
    }
}
