using KappaFace.MLNet.Onnx;
using KappaFace.MLNet.Tests.Shared;
using KappaFace.MLNet.Transforms.Embedding;
using KappaFace.MLNet.Transforms.Tests.Support;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using Xunit;

namespace KappaFace.MLNet.Transforms.Tests.Embedding;

public class ApplyFaceEmbeddingTests
{
    private const double Tolerance = 1e-5;

    [SkippableTheory]
    [InlineData(Faces.Synthetic)]
    [InlineData("celeba-dev")]
    public void Face_images_embed_like_FaceEmbedder_on_the_same_decoded_pixels(string source)
    {
        Skip.If(source != Faces.Synthetic && SharedData.DataSet(source) is null, SharedData.MissingReason(source));
        using var temp = new TempFolder();
        // The crops are 112 x 112: a 112 model sees them unresized, so the library's own decoder
        // (SkiaSharp, not ML.NET) gives the very pixels the pipeline must feed the model.
        var model = ConvModel.Create(inputSize: 112, embeddingSize: 8, kernel: 8);
        string modelPath = model.Save(temp.Path);
        string[] images = Faces.Images(source, temp.Folder("faces"));
        var ml = new MLContext(seed: 1);

        var pipeline = ml.Transforms.LoadImages(FaceColumnNames.Image, imageFolder: null, FaceColumnNames.ImagePath)
            .Append(ml.Transforms.ApplyFaceEmbedding(modelPath));
        IDataView output = pipeline.Fit(Faces.PathRows(ml, images)).Transform(Faces.PathRows(ml, images));

        float[][] expected = Faces.Embed(modelPath, [.. images.Select(p => Faces.DecodePixels(p, 112))]);
        float[][] actual = Faces.Column(output, FaceColumnNames.Embedding);
        Faces.AssertClose(expected, actual, Tolerance);
        // The embeddings are unit vectors and differ between people: the comparison is not vacuous.
        Assert.All(actual, e => Assert.Equal(1.0, Math.Sqrt(e.Sum(v => (double)v * v)), 5));
        Assert.True(actual[0].Zip(actual[2]).Max(p => Math.Abs(p.First - p.Second)) > 1e-3);

        // Only the embedding is added: the chain's intermediate columns are dropped.
        Assert.Equal([FaceColumnNames.ImagePath, FaceColumnNames.Image, FaceColumnNames.Embedding], output.Schema.Select(c => c.Name));
        var type = Assert.IsType<VectorDataViewType>(output.Schema[FaceColumnNames.Embedding].Type);
        Assert.Equal(NumberDataViewType.Single, type.ItemType);
        Assert.Equal(8, type.Size);
    }

    [Fact]
    public void Images_are_resized_to_the_model_card_size_and_match_FaceEmbedder_on_ML_NET_pixels()
    {
        using var temp = new TempFolder();
        var model = ConvModel.Create(inputSize: 32, embeddingSize: 6, kernel: 4);
        string modelPath = model.Save(temp.Path);
        string[] images = Faces.SyntheticImages(temp.Folder("faces"), identities: 2, perIdentity: 2);
        var ml = new MLContext(seed: 1);
        IDataView rows = Faces.PathRows(ml, images);

        var embedding = ml.Transforms.LoadImages(FaceColumnNames.Image, null, FaceColumnNames.ImagePath)
            .Append(ml.Transforms.ApplyFaceEmbedding(new FaceEmbeddingOptions { ModelFile = modelPath, NormColumnName = "Norm" }));
        IDataView output = embedding.Fit(rows).Transform(rows);

        // The same pixels, made by ML.NET's own resize and pixel extraction with their defaults.
        var pixels = ml.Transforms.LoadImages("Image", null, "ImagePath")
            .Append(ml.Transforms.ResizeImages("Small", 32, 32, "Image"))
            .Append(ml.Transforms.ExtractPixels("Pixels", "Small"));
        float[][] mlnetPixels = Faces.Column(pixels.Fit(rows).Transform(rows), "Pixels");
        using FaceEmbedder embedder = FaceEmbedder.Open(modelPath, new FaceEmbedderOptions { ExecutionProvider = "cpu" });
        FaceEmbeddings expected = embedder.Embed(mlnetPixels);

        Faces.AssertClose(expected.ToArrays(), Faces.Column(output, FaceColumnNames.Embedding), Tolerance);
        float[][] norms = Faces.Column(output, "Norm");
        for (int i = 0; i < images.Length; i++)
        {
            Assert.Equal(expected.GetNorm(i), norms[i].Single(), 4);
        }
    }

    [Fact]
    public void Pixel_vector_input_embeds_like_FaceEmbedder()
    {
        using var temp = new TempFolder();
        var model = ConvModel.Create(inputSize: 16, embeddingSize: 5, kernel: 4);
        string modelPath = model.Save(temp.Path);
        var rng = new Random(3);
        float[][] pixels = [.. Enumerable.Range(0, 5).Select(_ => Enumerable.Range(0, model.PixelCount).Select(_ => (float)rng.Next(256)).ToArray())];
        var ml = new MLContext(seed: 1);
        IDataView data = PixelRows(ml, pixels, model.PixelCount);

        var estimator = ml.Transforms.ApplyFaceEmbedding("Vector", "Pixels", modelPath);
        IDataView output = estimator.Fit(data).Transform(data);

        Faces.AssertClose(Faces.Embed(modelPath, pixels), Faces.Column(output, "Vector"), Tolerance);
        Assert.Equal(["Pixels", "Vector"], output.Schema.Select(c => c.Name));
        Assert.Equal(16, estimator.InputSize);
        Assert.Equal(5, estimator.EmbeddingSize);
        Assert.Equal(model.Card(), estimator.ModelCard);
    }

    [Fact]
    public void Model_file_stream_and_bytes_give_the_same_embeddings()
    {
        using var temp = new TempFolder();
        var model = ConvModel.Create(inputSize: 16, embeddingSize: 4, kernel: 4, seed: 9);
        string modelPath = model.Save(temp.Path);
        var rng = new Random(5);
        float[][] pixels = [.. Enumerable.Range(0, 3).Select(_ => Enumerable.Range(0, model.PixelCount).Select(_ => (float)rng.Next(256)).ToArray())];
        var ml = new MLContext(seed: 1);
        IDataView data = PixelRows(ml, pixels, model.PixelCount);

        float[][] Run(FaceEmbeddingEstimator e) => Faces.Column(e.Fit(data).Transform(data), FaceColumnNames.Embedding);
        float[][] fromFile = Run(ml.Transforms.ApplyFaceEmbedding(FaceColumnNames.Embedding, "Pixels", modelPath));
        using FileStream stream = File.OpenRead(modelPath);
        float[][] fromStream = Run(ml.Transforms.ApplyFaceEmbedding(FaceColumnNames.Embedding, "Pixels", stream));
        float[][] fromBytes = Run(ml.Transforms.ApplyFaceEmbedding(FaceColumnNames.Embedding, "Pixels", File.ReadAllBytes(modelPath)));

        Assert.Equal(fromFile, fromStream);
        Assert.Equal(fromFile, fromBytes);
        Faces.AssertClose(Faces.Embed(modelPath, pixels), fromFile, Tolerance);
    }

    [Fact]
    public void Output_schema_adds_a_known_size_float_vector()
    {
        using var temp = new TempFolder();
        var model = ConvModel.Create(inputSize: 16, embeddingSize: 4);
        var ml = new MLContext(seed: 1);
        var estimator = ml.Transforms.ApplyFaceEmbedding(FaceColumnNames.Embedding, "Pixels", model.Save(temp.Path));
        IDataView data = PixelRows(ml, [new float[model.PixelCount]], model.PixelCount);

        SchemaShape shape = estimator.GetOutputSchema(Shapes.Of(data.Schema));

        SchemaShape.Column column = shape.Single(c => c.Name == FaceColumnNames.Embedding);
        Assert.Equal(SchemaShape.Column.VectorKind.Vector, column.Kind);
        Assert.Equal(NumberDataViewType.Single, column.ItemType);
        Assert.DoesNotContain(shape, c => c.Name is "input" or "embedding");
    }

    [Fact]
    public void Gpu_request_falls_back_to_cpu_when_allowed()
    {
        using var temp = new TempFolder();
        var model = ConvModel.Create(inputSize: 16, embeddingSize: 4);
        string modelPath = model.Save(temp.Path);
        var ml = new MLContext(seed: 1);
        float[][] pixels = [Enumerable.Range(0, model.PixelCount).Select(i => (float)(i % 256)).ToArray()];
        IDataView data = PixelRows(ml, pixels, model.PixelCount);

        // No GPU is required: with fallbackToCpu the GPU request degrades to the CPU where CUDA is absent.
        var estimator = ml.Transforms.ApplyFaceEmbedding(FaceColumnNames.Embedding, "Pixels", modelPath, gpuDeviceId: 0, fallbackToCpu: true);

        Faces.AssertClose(Faces.Embed(modelPath, pixels), Faces.Column(estimator.Fit(data).Transform(data), FaceColumnNames.Embedding), Tolerance);
    }

    [Fact]
    public void Known_size_images_of_another_size_are_resized_not_rejected()
    {
        using var temp = new TempFolder();
        var model = ConvModel.Create(inputSize: 16, embeddingSize: 4);
        string modelPath = model.Save(temp.Path);
        string image = temp.Image("face.png", 40, 30, (x, y) => new SkiaSharp.SKColor((byte)(x * 6), (byte)(y * 8), 90));
        var ml = new MLContext(seed: 1);
        IDataView rows = Faces.PathRows(ml, [image]);

        // A 40 x 30 image from ResizeImages(Fill) is a known-size image of the wrong size for the model.
        var pipeline = ml.Transforms.LoadImages("Raw", null, FaceColumnNames.ImagePath)
            .Append(ml.Transforms.ResizeImages(FaceColumnNames.Image, 40, 30, "Raw", ImageResizingEstimator.ResizingKind.Fill))
            .Append(ml.Transforms.ApplyFaceEmbedding(modelPath));
        IDataView output = pipeline.Fit(rows).Transform(rows);

        var reference = ml.Transforms.LoadImages("Raw", null, FaceColumnNames.ImagePath)
            .Append(ml.Transforms.ResizeImages("Fixed", 40, 30, "Raw", ImageResizingEstimator.ResizingKind.Fill))
            .Append(ml.Transforms.ResizeImages("Small", 16, 16, "Fixed"))
            .Append(ml.Transforms.ExtractPixels("Pixels", "Small"));
        float[][] pixels = Faces.Column(reference.Fit(rows).Transform(rows), "Pixels");
        Faces.AssertClose(Faces.Embed(modelPath, pixels), Faces.Column(output, FaceColumnNames.Embedding), Tolerance);
    }

    internal static IDataView PixelRows(MLContext ml, float[][] pixels, int size, string column = "Pixels")
    {
        var schema = SchemaDefinition.Create(typeof(PixelRow));
        SchemaDefinition.Column definition = schema[nameof(PixelRow.Pixels)];
        definition.ColumnType = new VectorDataViewType(NumberDataViewType.Single, size);
        definition.ColumnName = column;
        return ml.Data.LoadFromEnumerable(pixels.Select(p => new PixelRow { Pixels = p }).ToList(), schema);
    }

    public sealed class PixelRow
    {
        public float[] Pixels { get; set; } = [];
    }
}
