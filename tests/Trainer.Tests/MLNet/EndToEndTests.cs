using KappaFace.MLNet.Data;
using KappaFace.MLNet.Synthetic;
using KappaFace.MLNet.Tests.Shared;
using KappaFace.MLNet.Trainer.Backbones;
using KappaFace.MLNet.Trainer.Export;
using KappaFace.MLNet.Trainer.Heads;
using KappaFace.MLNet.Trainer.MLNet;
using KappaFace.MLNet.Trainer.Training;
using KappaFace.MLNet.Transforms;
using KappaFace.MLNet.Transforms.Evaluation;
using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;

namespace KappaFace.MLNet.Trainer.Tests.MLNet;

/// <summary>
/// The headline proof: image folder -> LoadImages -> ResizeImages -> Trainers.KappaFace -> Fit -> Save ->
/// Load in a new MLContext -> identical embeddings -> pairs of held-out identities -> ScoreFacePairs ->
/// Evaluate: better than the untrained network, and TAR@FAR equal to a naive recomputation.
/// </summary>
public class EndToEndTests(ITestOutputHelper output)
{
    private const int Dimension = 64;
    private const int Seed = 7;

    /// <summary>On synthetic faces written as PNG files: runs on a fresh clone.</summary>
    [Fact]
    public void Synthetic_folder_to_trained_saved_reloaded_and_evaluated_model()
    {
        string faces = Path.Combine(Path.GetTempPath(), $"kappaface-e2e-faces-{Guid.NewGuid():N}");
        try
        {
            ImageFolderWriter.Write(
                SyntheticFaces.Generate(new SyntheticFaceOptions { Identities = 45, ImageSize = 64, MinImagesPerIdentity = 12, MaxImagesPerIdentity = 12, Seed = 4 }),
                faces);
            FolderToTrainedSavedReloadedAndEvaluatedModel(faces, size: 32, epochs: 8);
        }
        finally
        {
            Directory.Delete(faces, recursive: true);
        }
    }

    /// <summary>On real faces (celeba-dev), when present.</summary>
    [SkippableFact]
    public void Real_folder_to_trained_saved_reloaded_and_evaluated_model()
    {
        string? source = SharedData.DataSet("celeba-dev");
        Skip.If(source is null, SharedData.MissingReason("celeba-dev"));
        FolderToTrainedSavedReloadedAndEvaluatedModel(source!, size: 48, epochs: 20);
    }

    private void FolderToTrainedSavedReloadedAndEvaluatedModel(string source, int size, int epochs)
    {
        string root = Path.Combine(Path.GetTempPath(), $"kappaface-e2e-{Guid.NewGuid():N}");
        try
        {
            // Identity-disjoint split: every third identity is held out (folders linked, not copied).
            string trainDir = Path.Combine(root, "train");
            string heldOutDir = Path.Combine(root, "heldout");
            Directory.CreateDirectory(trainDir);
            Directory.CreateDirectory(heldOutDir);
            string[] identities = [.. Directory.GetDirectories(source).Order(StringComparer.Ordinal)];
            for (int i = 0; i < identities.Length; i++)
            {
                string target = Path.Combine(i % 3 == 2 ? heldOutDir : trainDir, Path.GetFileName(identities[i]));
                Directory.CreateSymbolicLink(target, identities[i]);
            }

            var ml = new MLContext(seed: 1);
            var log = new List<string>();
            ml.Log += (_, e) => { if (e.Kind >= Microsoft.ML.Runtime.ChannelMessageKind.Info) { lock (log) { log.Add(e.Message); } } };
            IDataView trainRows = ml.FaceRecognition().LoadImageFolder(trainDir);
            var options = new FaceRecognitionTrainerOptions
            {
                ModelPath = Path.Combine(root, "trained.onnx"),
                Training = new FaceTrainerOptions
                {
                    Backbone = BackboneKind.Tiny, ImageSize = size, EmbeddingSize = Dimension, Epochs = epochs, Seed = Seed, BatchSize = 32,
                    LearningRate = 0.1, WarmupEpochs = 1, Margin = new MarginOptions { Scale = 32 },
                },
            };
            var trainer = ml.FaceRecognition().Trainers.KappaFace(options);
            var pipeline = ml.Transforms.LoadImages("Image", null, "ImagePath")
                .Append(ml.Transforms.ResizeImages("Image", size, size, "Image", Microsoft.ML.Transforms.Image.ImageResizingEstimator.ResizingKind.IsoCrop))
                .Append(trainer);
            var watch = System.Diagnostics.Stopwatch.StartNew();
            var model = pipeline.Fit(trainRows);
            output.WriteLine($"fit: {watch.Elapsed.TotalSeconds:F0} s, {trainer.LastTraining!.Classes} identities, {trainer.LastTraining.Images} images; "
                + $"loss {trainer.LastTraining.Epochs[0].Loss:F3} -> {trainer.LastTraining.Epochs[^1].Loss:F3}");
            Assert.Contains(log, m => m.Contains($"Epoch {epochs}/{epochs}", StringComparison.Ordinal));

            // Save, load in a new MLContext: identical embeddings of the held-out images.
            string zip = Path.Combine(root, "model.zip");
            ml.Model.Save(model, trainRows.Schema, zip);
            var fresh = new MLContext(seed: 99);
            ITransformer loaded = fresh.Model.Load(zip, out _);
            IDataView heldOutRows = ml.FaceRecognition().LoadImageFolder(heldOutDir);
            float[][] original = TrainerRows.Embeddings(model.Transform(heldOutRows));
            float[][] reloaded = TrainerRows.Embeddings(loaded.Transform(fresh.FaceRecognition().LoadImageFolder(heldOutDir)));
            Assert.Equal(original.Length, reloaded.Length);
            Assert.True(original.Length > 100);
            Assert.Equal(original, reloaded);

            // The untrained network of the same seed, exported the same way, as the baseline.
            string untrainedPath = Path.Combine(root, "untrained.onnx");
            torch.manual_seed(Seed);
            using (FaceBackbone fresh0 = BackboneFactory.Create(BackboneKind.Tiny, size, Dimension))
            {
                OnnxExporter.Export(fresh0, ModelCardAssembler.ForBackbone(fresh0), untrainedPath);
            }

            IDataView pairs = ml.FaceRecognition().GeneratePairs(heldOutDir, pairCount: 1000, seed: 5);
            VerificationMetrics Evaluate(string modelPath, out float[] scores, out bool[] same)
            {
                IDataView scored = ml.Transforms.LoadImages("ImageA", null, "ImagePathA")
                    .Append(ml.Transforms.LoadImages("ImageB", null, "ImagePathB"))
                    .Append(ml.Transforms.ApplyFaceEmbedding("EmbeddingA", "ImageA", modelPath))
                    .Append(ml.Transforms.ApplyFaceEmbedding("EmbeddingB", "ImageB", modelPath))
                    .Append(ml.Transforms.ScoreFacePairs())
                    .Fit(pairs).Transform(pairs);
                scores = [.. scored.GetColumn<float>("Score")];
                same = [.. scored.GetColumn<bool>("Label")];
                return ml.FaceRecognition().Evaluate(scored);
            }

            VerificationMetrics untrained = Evaluate(untrainedPath, out _, out _);
            VerificationMetrics trained = Evaluate(options.ModelPath, out float[] s, out bool[] y);
            output.WriteLine($"held-out: {identities.Length / 3} identities, {trained.PairCount} pairs; accuracy untrained {untrained.Accuracy:P1}, trained {trained.Accuracy:P1}; "
                + $"AUC {untrained.Auc:F3} -> {trained.Auc:F3}; TAR@FAR " + string.Join(", ", trained.TarAtFar.Select(p => $"{p.Far:G}={p.Tar?.ToString("P1") ?? "n/a"}")));
            Assert.True(trained.Accuracy >= untrained.Accuracy + 0.08, $"trained {trained.Accuracy:P1} vs untrained {untrained.Accuracy:P1}");

            // TAR@FAR equal to a naive recomputation over every candidate threshold.
            int measured = 0;
            foreach (TarAtFarPoint point in trained.TarAtFar)
            {
                double? naive = NaiveTarAtFar(s, y, point.Far);
                Assert.Equal(naive, point.Tar);
                measured += naive is null ? 0 : 1;
            }

            Assert.True(measured >= 2, "at least FAR 1e-1 and 1e-2 must be measurable on 500 different pairs");
        }
        finally
        {
            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
        }
    }

    /// <summary>Best TAR over thresholds t (each score, and +infinity) whose FAR = #(different, score >= t) / #different is at most <paramref name="far"/>.</summary>
    private static double? NaiveTarAtFar(float[] scores, bool[] same, double far)
    {
        int negatives = same.Count(v => !v);
        int positives = same.Length - negatives;
        if (negatives < Math.Ceiling((1 / far) - 1e-9))
        {
            return null;
        }

        double best = 0;
        foreach (float t in scores.Append(float.PositiveInfinity))
        {
            int falseAccepts = 0, trueAccepts = 0;
            for (int i = 0; i < scores.Length; i++)
            {
                if (scores[i] >= t)
                {
                    if (same[i]) { trueAccepts++; } else { falseAccepts++; }
                }
            }

            if ((double)falseAccepts / negatives <= far)
            {
                best = Math.Max(best, (double)trueAccepts / positives);
            }
        }

        return best;
    }
}
