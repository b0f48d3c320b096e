using KappaFace.MLNet.Onnx;
using KappaFace.MLNet.Onnx.Quantization;
using KappaFace.MLNet.Tests.Shared;
using KappaFace.MLNet.Transforms.Tests.Support;
using Microsoft.ML;
using Xunit;

namespace KappaFace.MLNet.Transforms.Tests.Embedding;

/// <summary>An int8 (QDQ) model in the ML.NET transform: ML.NET's ONNX Runtime runs it as FaceEmbedder does.</summary>
public class QuantizedModelTests
{
    [Fact]
    public void Int8_model_embeds_in_ApplyFaceEmbedding_like_FaceEmbedder_and_close_to_float()
    {
        using var temp = new TempFolder();
        var model = ConvModel.Create(inputSize: 16, embeddingSize: 6, kernel: 4, filters: 8, seed: 3);
        string floatPath = model.Save(temp.Path);
        var rng = new Random(11);
        float[][] Pixels(int count) => [.. Enumerable.Range(0, count).Select(_ => Enumerable.Range(0, model.PixelCount).Select(_ => (float)rng.Next(256)).ToArray())];
        var result = Int8Quantizer.Quantize(floatPath, Pixels(32), new Int8QuantizationOptions { Method = CalibrationMethod.MinMax });
        string int8Path = Path.Combine(temp.Path, "model-int8.onnx");
        OnnxModelFile.Save(result.Model, int8Path);

        float[][] unseen = Pixels(6);
        var ml = new MLContext(seed: 1);
        IDataView data = ApplyFaceEmbeddingTests.PixelRows(ml, unseen, model.PixelCount);
        var estimator = ml.Transforms.ApplyFaceEmbedding("Vector", "Pixels", int8Path);
        float[][] actual = Faces.Column(estimator.Fit(data).Transform(data), "Vector");

        Faces.AssertClose(Faces.Embed(int8Path, unseen), actual, 1e-5);
        Assert.Equal("qdq-u8s8", estimator.ModelCard.AdditionalProperties[ModelCardKeys.QuantizationScheme]);
        float[][] reference = Faces.Embed(floatPath, unseen);
        for (int i = 0; i < unseen.Length; i++)
        {
            double cosine = reference[i].Zip(actual[i]).Sum(p => (double)p.First * p.Second);
            Assert.True(cosine > 0.98, $"image {i}: cosine {cosine}");
        }

        Assert.NotEqual(reference[0], actual[0]);
    }
}
