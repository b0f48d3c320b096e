namespace KappaFace.MLNet.Onnx.Tests;

public class EmbedderNumericsTests
{
    private static FaceEmbedderOptions Cpu(int maxBatch = 32) => new() { ExecutionProvider = "cpu", MaxBatch = maxBatch };

    [Fact]
    public void Embeddings_match_naive_computation()
    {
        using var dir = new TempDir();
        var model = TinyModel.Create();
        var path = model.Save(dir);
        using var embedder = FaceEmbedder.Open(path, Cpu());

        Assert.Equal(TinyModel.Size, embedder.InputSize);
        Assert.Equal(TinyModel.Dim, embedder.EmbeddingSize);
        const int count = 7;
        var pixels = TinyModel.Images(count, seed: 11);
        var result = embedder.Embed(pixels, count);

        Assert.Equal(count, result.Count);
        Assert.Equal(TinyModel.Dim, result.Dimension);
        for (var i = 0; i < count; i++)
        {
            var (expected, norm) = model.Reference(pixels.AsSpan(i * TinyModel.PixelsPerImage, TinyModel.PixelsPerImage));
            var actual = result.GetEmbedding(i);
            for (var d = 0; d < TinyModel.Dim; d++)
            {
                Assert.True(Math.Abs(expected[d] - actual[d]) <= 1e-5, $"image {i} dim {d}: {actual[d]} vs {expected[d]}");
            }

            Assert.True(Math.Abs(norm - result.GetNorm(i)) <= 1e-5 * Math.Max(1, norm), $"norm {i}: {result.GetNorm(i)} vs {norm}");
            Assert.True(norm > 1e-3, "the test network should not collapse to zero");
        }
    }

    [Fact]
    public void Embeddings_differ_between_images_and_are_unit_length()
    {
        using var dir = new TempDir();
        using var embedder = FaceEmbedder.Open(TinyModel.Create().Save(dir), Cpu());
        var result = embedder.Embed(TinyModel.Images(2, seed: 3), 2);
        var a = result.GetEmbedding(0).ToArray();
        var b = result.GetEmbedding(1).ToArray();
        Assert.NotEqual(a, b);
        Assert.Equal(1.0, Math.Sqrt(a.Sum(v => (double)v * v)), 5);
    }

    [Fact]
    public void Batch_larger_than_MaxBatch_equals_one_by_one()
    {
        using var dir = new TempDir();
        var path = TinyModel.Create().Save(dir);
        const int count = 10;
        var pixels = TinyModel.Images(count, seed: 5);

        using var split = FaceEmbedder.Open(path, Cpu(maxBatch: 3));
        Assert.Equal(3, split.MaxBatch);
        var batched = split.Embed(pixels, count);

        using var single = FaceEmbedder.Open(path, Cpu(maxBatch: 1));
        for (var i = 0; i < count; i++)
        {
            var one = single.Embed(pixels.AsSpan(i * TinyModel.PixelsPerImage, TinyModel.PixelsPerImage), 1);
            var expected = one.GetEmbedding(0);
            var actual = batched.GetEmbedding(i);
            for (var d = 0; d < TinyModel.Dim; d++)
            {
                Assert.True(Math.Abs(expected[d] - actual[d]) <= 1e-6, $"image {i} dim {d}: {actual[d]} vs {expected[d]}");
            }

            Assert.True(Math.Abs(one.GetNorm(0) - batched.GetNorm(i)) <= 1e-6 * Math.Max(1, one.GetNorm(0)));
        }
    }

    [Fact]
    public void Jagged_input_equals_flat_input()
    {
        using var dir = new TempDir();
        using var embedder = FaceEmbedder.Open(TinyModel.Create().Save(dir), Cpu(maxBatch: 4));
        const int count = 9;
        var pixels = TinyModel.Images(count, seed: 8);
        var images = Enumerable.Range(0, count)
            .Select(i => pixels.AsSpan(i * TinyModel.PixelsPerImage, TinyModel.PixelsPerImage).ToArray())
            .ToArray();

        var flat = embedder.Embed(pixels, count);
        var jagged = embedder.Embed(images);
        Assert.Equal(flat.Vectors.ToArray(), jagged.Vectors.ToArray());
        Assert.Equal(flat.Norms.ToArray(), jagged.Norms.ToArray());
        Assert.Equal(count, flat.ToArrays().Length);
    }

    [Fact]
    public void Empty_batch_and_wrong_lengths()
    {
        using var dir = new TempDir();
        using var embedder = FaceEmbedder.Open(TinyModel.Create().Save(dir), Cpu());
        Assert.Equal(0, embedder.Embed(ReadOnlySpan<float>.Empty, 0).Count);
        Assert.Throws<ArgumentException>(() => embedder.Embed(new float[TinyModel.PixelsPerImage + 1], 1));
        Assert.Throws<ArgumentException>(() => embedder.Embed([new float[TinyModel.PixelsPerImage], new float[3]]));
    }

    [Fact]
    public void Opens_from_bytes_and_stream_with_same_results()
    {
        using var dir = new TempDir();
        var path = TinyModel.Create().Save(dir);
        var pixels = TinyModel.Images(3, seed: 21);
        using var fromFile = FaceEmbedder.Open(path, Cpu());
        using var fromBytes = FaceEmbedder.Open(File.ReadAllBytes(path), Cpu(), "tiny-bytes");
        using var stream = File.OpenRead(path);
        using var fromStream = FaceEmbedder.Open(stream, Cpu());

        var expected = fromFile.Embed(pixels, 3).Vectors.ToArray();
        Assert.Equal(expected, fromBytes.Embed(pixels, 3).Vectors.ToArray());
        Assert.Equal(expected, fromStream.Embed(pixels, 3).Vectors.ToArray());
        Assert.Equal("tiny-bytes", fromBytes.Source);
        Assert.Equal(path, fromStream.Source);
    }

    [Fact]
    public void Exposes_card_and_threshold()
    {
        using var dir = new TempDir();
        var card = TinyModel.Card().WithThreshold(0.31, 1e-3, "test calibration");
        using var embedder = FaceEmbedder.Open(TinyModel.Create().Save(dir, card: card), Cpu());
        Assert.Equal(0.31, embedder.Threshold);
        Assert.Equal(card, embedder.ModelCard);

        using var uncalibrated = FaceEmbedder.Open(TinyModel.Create().Save(dir, "u.onnx"), Cpu());
        Assert.Null(uncalibrated.Threshold);
    }

    [Fact]
    public void Session_options_are_applied_and_validated()
    {
        using var dir = new TempDir();
        var path = TinyModel.Create().Save(dir);
        var pixels = TinyModel.Images(2, seed: 4);
        using var reference = FaceEmbedder.Open(path, Cpu());
        using var tuned = FaceEmbedder.Open(path, new FaceEmbedderOptions
        {
            ExecutionProvider = "cpu",
            IntraOpThreads = 1,
            InterOpThreads = 1,
            OptimizationLevel = Microsoft.ML.OnnxRuntime.GraphOptimizationLevel.ORT_DISABLE_ALL,
        });
        var a = reference.Embed(pixels, 2).Vectors.ToArray();
        var b = tuned.Embed(pixels, 2).Vectors.ToArray();
        for (var i = 0; i < a.Length; i++)
        {
            Assert.True(Math.Abs(a[i] - b[i]) <= 1e-6);
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => FaceEmbedder.Open(path, new FaceEmbedderOptions { MaxBatch = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => FaceEmbedder.Open(path, new FaceEmbedderOptions { ExecutionProvider = "cpu", IntraOpThreads = -1 }));
    }

    [Fact]
    public void Disposed_embedder_refuses_work()
    {
        using var dir = new TempDir();
        var embedder = FaceEmbedder.Open(TinyModel.Create().Save(dir), Cpu());
        embedder.Dispose();
        embedder.Dispose();
        Assert.Throws<ObjectDisposedException>(() => embedder.Embed(TinyModel.Images(1, 1), 1));
    }
}
