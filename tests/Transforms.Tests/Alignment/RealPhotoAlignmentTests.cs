using KappaFace.MLNet.Data;
using KappaFace.MLNet.Data.Alignment;
using KappaFace.MLNet.Data.Detection;
using KappaFace.MLNet.Onnx.Import;
using KappaFace.MLNet.Tests.Shared;
using KappaFace.MLNet.Transforms.Alignment;
using KappaFace.MLNet.Transforms.Tests.Support;
using Microsoft.ML;
using Microsoft.ML.Data;
using Xunit;
using Xunit.Abstractions;

namespace KappaFace.MLNet.Transforms.Tests.Alignment;

/// <summary>
/// On real photos (celeba-photos) with the shared RetinaFace detector and the shared MobileFaceNet imported to
/// the KappaFace contract: a DetectAndAlignFaces + ApplyFaceEmbedding pipeline gives the embeddings of the library
/// path (PhotoFaces.BestCrop then FaceEmbedder, what <c>kappaface embed --detector</c> runs).
/// </summary>
public sealed class RealPhotoAlignmentTests(ITestOutputHelper output) : IDisposable
{
    private const string Detector = "retinaface-mnet025.onnx";
    private const string Embedder = "mobilefacenet-foamliu.onnx";
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [SkippableFact]
    public void Pipeline_embeddings_of_real_photos_equal_the_library_path()
    {
        string? detectorFile = SharedData.Model(Detector);
        string? embedderFile = SharedData.Model(Embedder);
        Skip.If(detectorFile is null || embedderFile is null, SharedData.MissingModelReason($"{Detector} / {Embedder}"));
        string? photos = SharedData.DataSet("celeba-photos");
        Skip.If(photos is null, SharedData.MissingReason("celeba-photos"));

        // Every 20th photo of the set (259 photos up to 640 pixels, some with several or small faces).
        string[] paths = [.. ImageFolder.ImagesUnder(photos!).Order(StringComparer.Ordinal).Where((_, i) => i % 20 == 0)];
        string model = Path.Combine(_temp.Path, "mobilefacenet.onnx");
        FaceModelImporter.ImportFile(embedderFile!, model, new FaceModelImportOptions
        {
            PixelScale = 255, Mean = [0.485f, 0.456f, 0.406f], Std = [0.229f, 0.224f, 0.225f],
        });

        var ml = new MLContext(seed: 1);
        IDataView rows = Faces.PathRows(ml, paths);
        var options = new FaceAlignmentOptions { DetectorFile = detectorFile, InputColumnName = FaceColumnNames.ImagePath, OnNoFace = NoFaceRowPolicy.Flag };
        IDataView byPath = ml.FaceRecognition().DetectAndAlignFaces(options)
            .Append(ml.Transforms.ApplyFaceEmbedding(FaceColumnNames.Embedding, FaceColumnNames.FaceImage, model))
            .Fit(rows).Transform(rows);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        bool[] found = [.. byPath.GetColumn<bool>(FaceColumnNames.FaceFound)];
        double pipelineSeconds = clock.Elapsed.TotalSeconds;
        float[][] pathEmbeddings = Faces.Column(byPath, FaceColumnNames.Embedding);

        using var detector = FaceDetector.Open(detectorFile!, new FaceDetectorOptions { ExecutionProvider = "cpu" });
        clock.Restart();
        var library = new List<float[]>();
        for (int i = 0; i < paths.Length; i++)
        {
            if (found[i])
            {
                library.Add(DetectAndAlignFacesTests.Planes(PhotoFaces.BestCrop(detector, paths[i], 112)));
            }
            else
            {
                Assert.Throws<NoFaceException>(() => PhotoFaces.BestCrop(detector, paths[i], 112));
            }
        }

        double librarySeconds = clock.Elapsed.TotalSeconds;
        float[][] expected = Faces.Embed(model, library);
        // Rough, one run on a shared machine: the pipeline's first pass also opens its detector session.
        output.WriteLine($"detect+align of {paths.Length} photos: pipeline {pipelineSeconds:F2} s (first pass, session opened), library {librarySeconds:F2} s; ratio {pipelineSeconds / librarySeconds:F2}");
        float[][] ours = [.. pathEmbeddings.Where((_, i) => found[i])];
        double diff = MaxAbsDiff(expected, ours);
        output.WriteLine($"{paths.Length} photos, {ours.Length} with a face; max abs embedding difference vs the library path: {diff:E2}");
        Assert.True(ours.Length >= paths.Length - 1, $"only {ours.Length} of {paths.Length} photos had a face");
        Faces.AssertClose(expected, ours, 1e-4);
    }

    private static double MaxAbsDiff(float[][] a, float[][] b) =>
        a.Zip(b).SelectMany(p => p.First.Zip(p.Second, (x, y) => (double)Math.Abs(x - y))).DefaultIfEmpty(0).Max();
}
