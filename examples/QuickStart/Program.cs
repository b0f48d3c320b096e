// KappaFace.MLNet quick start: train a face-embedding model on an image folder inside an ML.NET pipeline,
// save it, load it back in a fresh MLContext and verify two faces.
//
//   dotnet run --project examples/QuickStart -- [FOLDER] [--epochs N] [--size S] [--backbone tiny|mobilefacenet|...] [--out DIR] [--synthetic]
//
// FOLDER holds one sub-folder per identity (DIR/<identity>/<image>). Without it (or with --synthetic) the
// example generates synthetic faces into a temporary folder, so it runs on a fresh clone.
using System.Globalization;
using KappaFace.MLNet.Trainer.Backbones;
using KappaFace.MLNet.Trainer.Heads;
using KappaFace.MLNet.Trainer.MLNet;
using KappaFace.MLNet.Trainer.Training;
using KappaFace.MLNet.Transforms;
using KappaFace.MLNet.Data;
using KappaFace.MLNet.Synthetic;
using KappaFace.MLNet.Transforms.Evaluation;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using Microsoft.ML.Transforms.Image;

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
var settings = Settings.Parse(args);
bool generated = settings.Folder is null || settings.Synthetic;
string folder = generated ? SyntheticFolder() : settings.Folder!;
string outDir = settings.Out ?? Path.Combine(Path.GetTempPath(), $"kappaface-quickstart-{Environment.ProcessId}");
Directory.CreateDirectory(outDir);
Console.WriteLine($"data: {folder}");

// 1. Train: image folder -> LoadImages -> ResizeImages -> KappaFace trainer.
var ml = new MLContext(seed: 1);
ml.Log += (_, e) =>
{
    if (e.Kind >= ChannelMessageKind.Info && e.Source.StartsWith("KappaFace", StringComparison.Ordinal))
    {
        Console.WriteLine($"  [train] {e.RawMessage}");
    }
};
IDataView images = ml.FaceRecognition().LoadImageFolder(folder);
var trainer = ml.FaceRecognition().Trainers.KappaFace(new FaceRecognitionTrainerOptions
{
    ModelPath = Path.Combine(outDir, "face.onnx"),
    Training = new FaceTrainerOptions
    {
        Backbone = settings.Backbone, ImageSize = settings.Size, EmbeddingSize = settings.Dimension, Epochs = settings.Epochs,
        BatchSize = 32, LearningRate = 0.1, WarmupEpochs = Math.Min(1, settings.Epochs), Margin = new MarginOptions { Scale = 32 },
    },
});
var pipeline = ml.Transforms.LoadImages("Image", null, "ImagePath")
    .Append(ml.Transforms.ResizeImages("Image", settings.Size, settings.Size, "Image", ImageResizingEstimator.ResizingKind.IsoCrop))
    .Append(trainer);
var model = pipeline.Fit(images);
FaceTrainingSummary run = trainer.LastTraining!;
Console.WriteLine($"trained: {run.Classes} identities, {run.Images} images, {run.Epochs.Count} epochs on {run.Device}, loss {run.Epochs[0].Loss:F3} -> {run.Epochs[^1].Loss:F3}");
Console.WriteLine($"onnx: {trainer.LastModelPath}");

// 2. Choose a decision threshold on pairs drawn from the folder (best accuracy).
IDataView pairs = ml.FaceRecognition().GeneratePairs(folder, pairCount: 400, seed: 2);
IDataView scored = ml.Transforms.LoadImages("ImageA", null, "ImagePathA")
    .Append(ml.Transforms.LoadImages("ImageB", null, "ImagePathB"))
    .Append(ml.Transforms.ApplyFaceEmbedding("EmbeddingA", "ImageA", trainer.LastModelPath!))
    .Append(ml.Transforms.ApplyFaceEmbedding("EmbeddingB", "ImageB", trainer.LastModelPath!))
    .Append(ml.Transforms.ScoreFacePairs())
    .Fit(pairs).Transform(pairs);
ThresholdCalibration calibration = ml.FaceRecognition().CalibrateThresholdForAccuracy(scored);
Console.WriteLine($"threshold: {calibration.Threshold:F4} (accuracy {calibration.Accuracy:P1} on {calibration.PairCount} training pairs)");

// 3. Save the fitted pipeline and load it back in a fresh MLContext.
string zip = Path.Combine(outDir, "model.zip");
ml.Model.Save(model, images.Schema, zip);
Console.WriteLine($"saved: {zip}");
var fresh = new MLContext(seed: 7);
ITransformer loaded = fresh.Model.Load(zip, out _);
Console.WriteLine("reloaded: yes");

// 4. Verify two images of one identity and one image of another with the reloaded model.
ImageFolderScan scan = ImageFolder.Scan(folder);
string a = scan.Identities[0].Images[0], b = scan.Identities[0].Images[1], c = scan.Identities[1].Images[0];
float[][] reloaded = Embed(fresh, loaded, [a, b, c]);
float[][] original = Embed(ml, model, [a, b, c]);
bool identical = original.Zip(reloaded).All(p => p.First.AsSpan().SequenceEqual(p.Second));
Console.WriteLine($"reload check: {(identical ? "identical embeddings" : "EMBEDDINGS DIFFER")}");
Verify("same", a, b, reloaded[0], reloaded[1]);
Verify("different", a, c, reloaded[0], reloaded[2]);
if (generated)
{
    Directory.Delete(folder, recursive: true);
}

return identical ? 0 : 1;

void Verify(string kind, string first, string second, float[] x, float[] y)
{
    float score = CosineSimilarity.Compute(x, y);
    string decision = score >= calibration.Threshold ? "same" : "different";
    Console.WriteLine($"verify {kind}: {Path.GetFileName(first)} vs {Path.GetFileName(second)}: score={score:F4} decision={decision}");
}

static float[][] Embed(MLContext context, ITransformer transformer, string[] paths)
{
    IDataView rows = context.Data.LoadFromEnumerable(paths.Select(p => new PathRow { ImagePath = p }));
    IDataView output = transformer.Transform(rows);
    return [.. output.GetColumn<VBuffer<float>>("Embedding").Select(v => v.DenseValues().ToArray())];
}

static string SyntheticFolder()
{
    // Synthetic faces written as PNG files: 12 identities x 8 images of 64 x 64.
    string root = Path.Combine(Path.GetTempPath(), $"kappaface-synthetic-{Environment.ProcessId}");
    ImageFolderWriter.Write(
        SyntheticFaces.Generate(new SyntheticFaceOptions { Identities = 12, ImageSize = 64, MinImagesPerIdentity = 8, MaxImagesPerIdentity = 8, Seed = 3 }),
        root);
    return root;
}

/// <summary>One image path, the input of the saved pipeline.</summary>
internal sealed class PathRow
{
    /// <summary>The image file.</summary>
    public string ImagePath { get; set; } = "";
}

/// <summary>Command-line settings of the quick start.</summary>
internal sealed record Settings(string? Folder, int Epochs, int Size, int Dimension, BackboneKind Backbone, string? Out, bool Synthetic)
{
    public static Settings Parse(string[] args)
    {
        var s = new Settings(null, 8, 48, 64, BackboneKind.Tiny, null, false);
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            s = args[i] switch
            {
                "--epochs" => s with { Epochs = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--size" => s with { Size = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--dim" => s with { Dimension = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--backbone" => s with { Backbone = BackboneFactory.Parse(Next()) },
                "--out" => s with { Out = Next() },
                "--synthetic" => s with { Synthetic = true },
                var other when !other.StartsWith("--", StringComparison.Ordinal) => s with { Folder = other },
                var other => throw new ArgumentException($"unknown option {other}"),
            };
        }

        return s;
    }
}
