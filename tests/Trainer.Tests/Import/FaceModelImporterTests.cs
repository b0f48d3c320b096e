using System.Security.Cryptography;
using Google.Protobuf;
using KappaFace.MLNet.Onnx;
using KappaFace.MLNet.Onnx.Import;
using KappaFace.MLNet.Onnx.Proto;
using KappaFace.MLNet.Tests.Shared;
using Xunit;
using Xunit.Abstractions;

namespace KappaFace.MLNet.Trainer.Tests.Import;

public sealed class FaceModelImporterTests(ITestOutputHelper output)
{
    private static readonly float[] ImageNetMean = [0.485f, 0.456f, 0.406f];
    private static readonly float[] ImageNetStd = [0.229f, 0.224f, 0.225f];

    private static readonly FaceModelImportOptions BgrUnitRange = new()
    {
        Channels = SourceChannelOrder.Bgr, PixelScale = 255, Mean = ImageNetMean, Std = ImageNetStd,
    };

    [Fact]
    public void Imported_tiny_model_takes_raw_rgb_and_matches_the_source_fed_by_hand()
    {
        var source = ForeignModels.Tiny();
        byte[] bytes = source.ToByteArray();
        var imported = FaceModelImporter.Import(bytes, "tiny.onnx", BgrUnitRange);

        float[] rgb = ForeignModels.Pixels(1, ForeignModels.Size, 11);
        float[] fed = ForeignModels.Preprocess(rgb, 1, ForeignModels.Size, bgr: true, 255, ImageNetMean, ImageNetStd);
        float[] expected = ForeignModels.Run(source, "input", fed, [1, 3, ForeignModels.Size, ForeignModels.Size], "embedding")["embedding"];
        var actual = ForeignModels.Run(imported.Model, ModelContract.InputName, rgb, [1, 3, ForeignModels.Size, ForeignModels.Size],
            ModelContract.EmbeddingName, ModelContract.EmbeddingNormName);

        double norm = Math.Sqrt(expected.Sum(v => (double)v * v));
        Assert.Equal(norm, actual[ModelContract.EmbeddingNormName][0], 4);
        Assert.True(ForeignModels.MaxAbsDiff([.. expected.Select(v => (float)(v / norm))], actual[ModelContract.EmbeddingName]) < 1e-5);
    }

    [Fact]
    public void Imported_model_has_a_dynamic_batch_opset_13_and_a_card_naming_the_source()
    {
        byte[] bytes = ForeignModels.Tiny().ToByteArray();
        var imported = FaceModelImporter.Import(bytes, "/some/where/tiny.onnx", BgrUnitRange);
        var model = imported.Model;

        Assert.Equal(ModelContract.OpsetVersion, Assert.Single(model.OpsetImport).Version);
        Assert.DoesNotContain(model.Graph.Node, n => n.OpType == "Dropout");
        Assert.Equal(ModelContract.BatchDimension, Assert.Single(model.Graph.Input).Type.TensorType.Shape.Dim[0].DimParam);
        Assert.Contains(imported.Changes, c => c.Contains("hard-coded batch 1", StringComparison.Ordinal));
        Assert.Contains(imported.Changes, c => c.Contains("opset 10 to opset 13", StringComparison.Ordinal));

        var card = ModelCard.ReadFrom(model);
        Assert.Equal(ForeignModels.Dim, card.EmbeddingSize);
        Assert.Equal(ForeignModels.Size, card.InputSize);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), card.AdditionalProperties[ModelCardKeys.SourceSha256]);
        Assert.Equal("channels=BGR;scale=255;mean=0.485,0.456,0.406;std=0.229,0.224,0.225", card.AdditionalProperties[ModelCardKeys.SourcePreprocessing]);
        Assert.Equal("embedding", card.AdditionalProperties[ModelCardKeys.SourceOutputName]);
        Assert.Equal("tiny.onnx", card.AdditionalProperties[ModelCardKeys.SourceName]);

        // A batch of 7 gives each image the embedding it gets alone.
        const int count = 7;
        int pixels = 3 * ForeignModels.Size * ForeignModels.Size;
        float[] batch = ForeignModels.Pixels(count, ForeignModels.Size, 5);
        var together = ForeignModels.Run(model, "input", batch, [count, 3, ForeignModels.Size, ForeignModels.Size], "embedding")["embedding"];
        for (int i = 0; i < count; i++)
        {
            var alone = ForeignModels.Run(model, "input", batch[(i * pixels)..((i + 1) * pixels)], [1, 3, ForeignModels.Size, ForeignModels.Size], "embedding")["embedding"];
            Assert.True(ForeignModels.MaxAbsDiff(alone, together[(i * ForeignModels.Dim)..((i + 1) * ForeignModels.Dim)]) < 1e-5);
        }
    }

    [Fact]
    public void Imported_model_runs_in_the_face_embedder_unchanged()
    {
        using var dir = new TempFolder();
        string path = Path.Combine(dir.Path, "imported.onnx");
        FaceModelImporter.ImportFile(Save(ForeignModels.Tiny(), dir, "tiny.onnx"), path, BgrUnitRange);
        using var embedder = FaceEmbedder.Open(path);
        var embeddings = embedder.Embed(ForeignModels.Pixels(3, ForeignModels.Size, 2), 3);
        Assert.Equal(3, embeddings.Count);
        Assert.Equal(ForeignModels.Dim, embeddings.Dimension);
    }

    [Fact]
    public void An_opset_13_source_with_a_dynamic_batch_is_imported_without_rewrites_of_the_batch()
    {
        var imported = FaceModelImporter.Import(ForeignModels.Tiny(batch: null, opset: 13).ToByteArray(), "dyn.onnx", new FaceModelImportOptions());
        Assert.DoesNotContain(imported.Changes, c => c.Contains("batch", StringComparison.Ordinal));
        Assert.Equal(ForeignModels.Dim, imported.Card.EmbeddingSize);
    }

    [Fact]
    public void Not_an_image_to_vector_model_is_refused_with_the_reason()
    {
        var wrongRank = ForeignModels.Tiny();
        wrongRank.Graph.Input[0].Type.TensorType.Shape.Dim.RemoveAt(3);
        Assert.Contains("rank 3", Refused(wrongRank, new FaceModelImportOptions()), StringComparison.Ordinal);

        var wrongOutput = ForeignModels.Tiny();
        wrongOutput.Graph.Output[0].Type.TensorType.Shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = 2 });
        Assert.Contains("one vector per image", Refused(wrongOutput, new FaceModelImportOptions()), StringComparison.Ordinal);

        Assert.Contains("no input 'pixels'", Refused(ForeignModels.Tiny(), new FaceModelImportOptions { InputName = "pixels" }), StringComparison.Ordinal);
        Assert.Contains("no output or node output 'feat'", Refused(ForeignModels.Tiny(), new FaceModelImportOptions { OutputName = "feat" }), StringComparison.Ordinal);

        var unknownOperator = ForeignModels.Tiny();
        unknownOperator.Graph.Node.First(n => n.OpType == "Relu").OpType = "Upsample";
        string message = Refused(unknownOperator, new FaceModelImportOptions());
        Assert.Contains("'Relu' (Upsample)", message, StringComparison.Ordinal);
        Assert.Contains("does not support this operator", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_preprocessing_values_are_refused()
    {
        byte[] bytes = ForeignModels.Tiny().ToByteArray();
        Assert.Throws<ArgumentException>(() => FaceModelImporter.Import(bytes, "t.onnx", new FaceModelImportOptions { Std = [1, 0, 1] }));
        Assert.Throws<ArgumentException>(() => FaceModelImporter.Import(bytes, "t.onnx", new FaceModelImportOptions { Mean = [1, 2] }));
        Assert.Throws<ArgumentException>(() => FaceModelImporter.Import(bytes, "t.onnx", new FaceModelImportOptions { PixelScale = 0 }));
    }

    [SkippableFact]
    public void Foamliu_mobilefacenet_imported_matches_its_source_at_batch_1_and_7()
    {
        string? path = SharedData.Model("mobilefacenet-foamliu.onnx");
        Skip.If(path is null, SharedData.MissingModelReason("mobilefacenet-foamliu.onnx"));
        var options = new FaceModelImportOptions { PixelScale = 255, Mean = ImageNetMean, Std = ImageNetStd };
        var imported = FaceModelImporter.Import(path!, options);
        Assert.Equal(128, imported.Card.EmbeddingSize);
        Assert.Equal("501048e4bff096417fd563de3ed9a176c6ff342fb4fb91bab5b10b55e65b51c9", imported.Card.AdditionalProperties[ModelCardKeys.SourceSha256]);

        var source = ForeignModels.WithSymbolicBatch(OnnxModelFile.Load(path!));
        foreach (int count in new[] { 1, 7 })
        {
            float[] rgb = ForeignModels.Pixels(count, 112, count);
            float[] fed = ForeignModels.Preprocess(rgb, count, 112, bgr: false, 255, ImageNetMean, ImageNetStd);
            float[] raw = ForeignModels.Run(source, "input0", fed, [count, 3, 112, 112], "output0")["output0"];
            var ours = ForeignModels.Run(imported.Model, "input", rgb, [count, 3, 112, 112], "embedding", "embedding_norm");
            float[] rebuilt = [.. ours["embedding"].Select((v, i) => v * ours["embedding_norm"][i / 128])];
            double diff = ForeignModels.MaxAbsDiff(raw, rebuilt);
            output.WriteLine($"foamliu import, batch {count}: max abs diff of the raw embedding (ORT source vs ORT imported) {diff:E2}");
            Assert.True(diff < 1e-4, $"batch {count}: {diff}");
        }
    }

    private static string Refused(ModelProto model, FaceModelImportOptions options) =>
        Assert.Throws<OnnxModelException>(() => FaceModelImporter.Import(model.ToByteArray(), "bad.onnx", options)).Message;

    internal static string Save(ModelProto model, TempFolder dir, string name)
    {
        string path = Path.Combine(dir.Path, name);
        OnnxModelFile.Save(model, path);
        return path;
    }
}
