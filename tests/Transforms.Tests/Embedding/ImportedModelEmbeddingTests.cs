using KappaFace.MLNet.Onnx.Import;
using KappaFace.MLNet.Tests.Shared;
using KappaFace.MLNet.Transforms.Tests.Support;
using Microsoft.ML;
using SkiaSharp;
using Xunit;

namespace KappaFace.MLNet.Transforms.Tests.Embedding;

public class ImportedModelEmbeddingTests
{
    [Fact]
    public void ApplyFaceEmbedding_runs_an_imported_model_unchanged()
    {
        using var temp = new TempFolder();
        string original = ConvModel.Create(inputSize: 32, embeddingSize: 6, kernel: 4).Save(temp.Path);
        // The contract model taken as a foreign one: identity preprocessing, its normalised output as the embedding.
        string imported = Path.Combine(temp.Path, "imported.onnx");
        FaceModelImporter.ImportFile(original, imported, new FaceModelImportOptions { PixelScale = 1, Mean = [0, 0, 0], Std = [1, 1, 1], OutputName = "embedding" });
        string[] images =
        [
            temp.Image("a.png", 32, 32, (x, y) => new SKColor((byte)(x * 8), (byte)(y * 8), 90)),
            temp.Image("b.png", 48, 40, (x, y) => new SKColor(40, (byte)(x * 5), (byte)(255 - (y * 6)))),
        ];
        var ml = new MLContext(seed: 1);
        float[][] Embed(string model)
        {
            var rows = Faces.PathRows(ml, images);
            var pipeline = ml.Transforms.LoadImages(FaceColumnNames.Image, null, FaceColumnNames.ImagePath)
                .Append(ml.Transforms.ApplyFaceEmbedding(model));
            return Faces.Column(pipeline.Fit(rows).Transform(rows), FaceColumnNames.Embedding);
        }

        float[][] expected = Embed(original);
        float[][] actual = Embed(imported);
        Faces.AssertClose(expected, actual, 1e-5);
        Assert.True(expected[0].Zip(expected[1]).Max(p => Math.Abs(p.First - p.Second)) > 1e-3, "the two images must embed differently");
    }
}
