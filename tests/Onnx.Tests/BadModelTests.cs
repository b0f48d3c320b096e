using KappaFace.MLNet.Onnx.Graph;

namespace KappaFace.MLNet.Onnx.Tests;

public class BadModelTests
{
    private static readonly FaceEmbedderOptions Cpu = new() { ExecutionProvider = "cpu" };

    private static OnnxModelException OpenFails(string path)
    {
        var ex = Assert.Throws<OnnxModelException>(() => FaceEmbedder.Open(path, Cpu));
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Equal(path, ex.ModelPath);
        return ex;
    }

    [Fact]
    public void Truncated_model()
    {
        using var dir = new TempDir();
        var good = File.ReadAllBytes(TinyModel.Create().Save(dir));
        var path = dir.File("truncated.onnx");
        File.WriteAllBytes(path, good[..(good.Length * 2 / 3)]);

        var ex = OpenFails(path);
        Assert.Contains("truncated", ex.Message, StringComparison.Ordinal);
        Assert.Throws<OnnxModelException>(() => ModelCard.ReadFrom(path));
        Assert.Throws<OnnxModelException>(() => OnnxModelFile.Load(path));
    }

    [Fact]
    public void Random_bytes()
    {
        using var dir = new TempDir();
        var path = dir.File("random.onnx");
        var bytes = new byte[4096];
        new Random(42).NextBytes(bytes);
        File.WriteAllBytes(path, bytes);
        OpenFails(path);
    }

    [Fact]
    public void Text_file()
    {
        using var dir = new TempDir();
        var path = dir.File("notes.onnx");
        File.WriteAllText(path, "This is a text file, not a model.\nsecond line\n");
        var ex = OpenFails(path);
        Assert.Contains("ONNX", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Empty_file_and_missing_file()
    {
        using var dir = new TempDir();
        var empty = dir.File("empty.onnx");
        File.WriteAllBytes(empty, []);
        var ex = OpenFails(empty);
        Assert.Contains("no ir_version", ex.Message, StringComparison.Ordinal);

        var missing = dir.File("nope.onnx");
        ex = OpenFails(missing);
        Assert.Contains("does not exist", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Wrong_input_rank()
    {
        using var dir = new TempDir();
        var b = new OnnxGraphBuilder();
        b.AddInput(ModelContract.InputName, "batch", 3, 64);
        var flat = b.AddNode("Flatten", [ModelContract.InputName], "flat", OnnxAttr.OfInt("axis", 1));
        var w = b.AddInitializer("w", new float[TinyModel.Dim * 192], TinyModel.Dim, 192);
        var e = b.AddNode("Gemm", [flat, w], "features", OnnxAttr.OfInt("transB", 1));
        var n = b.AddNode("ReduceL2", [e], ModelContract.EmbeddingNormName, OnnxAttr.OfInts("axes", 1), OnnxAttr.OfInt("keepdims", 1));
        b.AddNode("Div", [e, n], ModelContract.EmbeddingName);
        b.AddOutput(ModelContract.EmbeddingName, "batch", TinyModel.Dim);
        b.AddOutput(ModelContract.EmbeddingNormName, "batch", 1);
        var path = dir.File("rank3.onnx");
        b.Build("test", "1", TinyModel.Card().ToMetadata()).Save(path);

        var ex = OpenFails(path);
        Assert.Contains("rank 3", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fixed_batch_dimension()
    {
        using var dir = new TempDir();
        var path = dir.File("fixed-batch.onnx");
        TinyModel.Create().Graph(1, 3, TinyModel.Size, TinyModel.Size)
            .Build("test", "1", TinyModel.Card().ToMetadata()).Save(path);
        var ex = OpenFails(path);
        Assert.Contains("dynamic", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_metadata()
    {
        using var dir = new TempDir();
        var path = TinyModel.Create().Save(dir, withCard: false);
        var ex = OpenFails(path);
        Assert.Contains(ModelCardKeys.InputSize, ex.Message, StringComparison.Ordinal);
        Assert.Contains(ModelCardKeys.EmbeddingSize, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Card_disagreeing_with_graph()
    {
        using var dir = new TempDir();
        var path = TinyModel.Create().Save(dir, card: TinyModel.Card(embeddingSize: 512));
        var ex = OpenFails(path);
        Assert.Contains("embedding size 512", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_output()
    {
        using var dir = new TempDir();
        var b = new OnnxGraphBuilder();
        b.AddInput(ModelContract.InputName, "batch", 3, 4, 4);
        b.AddNode("Flatten", [ModelContract.InputName], ModelContract.EmbeddingName);
        b.AddOutput(ModelContract.EmbeddingName, "batch", 48);
        var path = dir.File("one-output.onnx");
        b.Build("test", "1", TinyModel.Card(4, 48).ToMetadata()).Save(path);
        var ex = OpenFails(path);
        Assert.Contains(ModelContract.EmbeddingNormName, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_bytes_name_the_source()
    {
        var ex = Assert.Throws<OnnxModelException>(() => FaceEmbedder.Open(new byte[] { 1, 2, 3 }, Cpu, "upload-17"));
        Assert.Contains("upload-17", ex.Message, StringComparison.Ordinal);
    }
}
