using KappaFace.MLNet.Data.Alignment;
using KappaFace.MLNet.Data.Detection;
using KappaFace.MLNet.Data.Embedding;
using KappaFace.MLNet.Data.Tests.Detection;
using KappaFace.MLNet.Onnx;
using KappaFace.MLNet.Tests.Shared;
using KappaFace.MLNet.Transforms.Tests.Support;
using SkiaSharp;
using Xunit;

namespace KappaFace.MLNet.Data.Tests.Embedding;

/// <summary>
/// The image-level embedding API on a hand-built model: files, streams and decoded images give exactly what
/// the model gives on the loader's pixels, in input order, across chunks, with the first bad input named.
/// </summary>
public sealed class FaceImageEmbedderTests : IDisposable
{
    private static readonly FaceEmbedderOptions Cpu = new() { ExecutionProvider = "cpu", MaxBatch = 7 };

    private readonly TempFolder _folder = new();
    private readonly ConvModel _model = ConvModel.Create(inputSize: 32, embeddingSize: 8);
    private readonly string _modelPath;
    private readonly string[] _images;

    public FaceImageEmbedderTests()
    {
        _modelPath = _model.Save(_folder.Path);
        // At the input size (copied unchanged), larger and not square (centre-cropped and resized), and a JPEG.
        _images =
        [
            _folder.Image("a.png", 32, 32, (x, y) => new SKColor((byte)(x * 8), (byte)(y * 8), 90)),
            _folder.Image("b.png", 80, 48, (x, y) => new SKColor((byte)(255 - (x * 3)), 40, (byte)(y * 5))),
            _folder.Image("c.jpg", 40, 40, (x, y) => new SKColor((byte)((x + y) * 3), (byte)(x * 6), (byte)(y * 6)), SKEncodedImageFormat.Jpeg),
        ];
    }

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Files_embed_as_the_model_does_on_the_loaders_pixels()
    {
        using var embedder = FaceImageEmbedder.Open(_modelPath, Cpu);
        var expected = ModelOnLoaderPixels(_images);

        var actual = embedder.Embed(_images);

        Assert.Equal(_images.Length, actual.Count);
        Assert.Equal(expected.Vectors.ToArray(), actual.Vectors.ToArray());
        Assert.Equal(expected.Norms.ToArray(), actual.Norms.ToArray());
        // Different pictures, different embeddings: each file was really read.
        Assert.NotEqual(actual.GetEmbedding(0).ToArray(), actual.GetEmbedding(1).ToArray());
        Assert.Equal(actual.GetEmbedding(2).ToArray(), embedder.Embed(_images[2]));
    }

    [Fact]
    public void Streams_and_decoded_images_embed_like_their_files()
    {
        using var embedder = FaceImageEmbedder.Open(_modelPath, Cpu);
        var files = embedder.Embed(_images);

        var streams = _images.Select(p => (Stream)new MemoryStream(File.ReadAllBytes(p))).ToArray();
        var fromStreams = embedder.Embed(streams);
        Assert.Equal(files.Vectors.ToArray(), fromStreams.Vectors.ToArray());
        Assert.All(streams, s => s.Dispose());

        // PNGs decode to exactly their pixels, so the decoded image (32x32 as is, 80x48 resized) embeds like the file.
        RgbImage[] decoded = [.. _images.Take(2).Select(p => PhotoDecoder.Decode(p).Image)];
        var fromImages = embedder.Embed(decoded);
        Assert.Equal(files.Vectors[..(2 * _model.EmbeddingSize)].ToArray(), fromImages.Vectors.ToArray());
    }

    [Fact]
    public void Batches_larger_than_a_chunk_keep_the_input_order()
    {
        string[] many = [.. Enumerable.Range(0, FaceImageEmbedder.ChunkSize + 5).Select(i => _images[i % _images.Length])];
        using var embedder = FaceImageEmbedder.Open(_modelPath, Cpu);
        var single = embedder.Embed(_images);

        var all = embedder.Embed(many);

        Assert.Equal(many.Length, all.Count);
        for (int i = 0; i < many.Length; i++)
        {
            Assert.Equal(single.GetEmbedding(i % _images.Length).ToArray(), all.GetEmbedding(i).ToArray());
        }
    }

    [Fact]
    public void The_first_bad_input_in_order_is_named()
    {
        string empty = _folder.Bytes("empty.png", []);
        string broken = _folder.Bytes("broken.png", [0x89, 0x50, 0x4E, 0x47, 1, 2, 3]);
        using var embedder = FaceImageEmbedder.Open(_modelPath, Cpu);

        var error = Assert.Throws<FaceDataException>(() => embedder.Embed([_images[0], empty, _images[1], broken]));

        Assert.Equal(empty, error.Path);
        Assert.Equal(FaceDataIssueKind.ZeroByte, error.Kind);
        var streamError = Assert.Throws<FaceDataException>(() => embedder.Embed(new MemoryStream([1, 2, 3])));
        Assert.Equal("<stream>", streamError.Path);
    }

    [Fact]
    public void Cancelling_stops_the_work()
    {
        using var embedder = FaceImageEmbedder.Open(_modelPath, Cpu);
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() => embedder.Embed(_images, cancel.Token));
    }

    [Fact]
    public void Only_a_model_it_opened_is_disposed_with_it()
    {
        using var model = FaceEmbedder.Open(_modelPath, Cpu);
        using (var borrowed = new FaceImageEmbedder(model))
        {
            Assert.Equal(_model.EmbeddingSize, borrowed.Embed(_images[0]).Length);
        }

        Assert.Equal(1, model.Embed(new float[_model.PixelCount], 1).Count);

        var owning = FaceImageEmbedder.Open(_modelPath, Cpu);
        owning.Dispose();
        Assert.Throws<ObjectDisposedException>(() => owning.Model.Embed(new float[_model.PixelCount], 1));
    }

    [Fact]
    public void With_a_detector_photos_embed_as_their_best_aligned_face()
    {
        using var detector = FaceDetector.Open(TinyRetinaFace.BlueDotDetector(), new FaceDetectorOptions { ExecutionProvider = "cpu" });
        string photo = _folder.Image("photo.png", 224, 224, (x, y) => x is >= 100 and < 110 && y is >= 60 and < 70 ? new SKColor(0, 0, 255) : SKColors.Black);
        string empty = _folder.Image("no-face.png", 224, 224, (_, _) => SKColors.Black);
        using var embedder = FaceImageEmbedder.Open(_modelPath, Cpu, detector);
        var crop = new float[_model.PixelCount];
        PhotoFaces.BestCrop(detector, photo, _model.InputSize).WritePlanes(crop);
        using var model = FaceEmbedder.Open(_modelPath, Cpu);

        Assert.Equal(model.Embed(crop, 1).GetEmbedding(0).ToArray(), embedder.Embed(photo));
        using (var stream = File.OpenRead(photo))
        {
            Assert.Equal(embedder.Embed(photo), embedder.Embed(stream));
        }

        var error = Assert.Throws<NoFaceException>(() => embedder.Embed([photo, empty]));
        Assert.Equal(empty, error.Path);
        Assert.Contains("no face", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Under_the_skip_policy_photos_without_a_face_are_listed_and_the_others_embedded()
    {
        using var detector = FaceDetector.Open(TinyRetinaFace.BlueDotDetector(), new FaceDetectorOptions { ExecutionProvider = "cpu" });
        string photo = _folder.Image("photo.png", 224, 224, (x, y) => x is >= 100 and < 110 && y is >= 60 and < 70 ? new SKColor(0, 0, 255) : SKColors.Black);
        string empty = _folder.Image("no-face.png", 224, 224, (_, _) => SKColors.Black);
        using var embedder = FaceImageEmbedder.Open(_modelPath, Cpu, detector, new FolderAlignmentOptions { OnNoFace = NoFacePolicy.Skip, Size = 7 });
        Assert.Equal(_model.InputSize, embedder.PhotoOptions.Size);

        var result = embedder.EmbedPhotos([empty, photo]);

        Assert.Equal([false, true], result.Embedded);
        Assert.Equal(empty, Assert.Single(result.Skipped).Path);
        Assert.Equal(PhotoSkipCause.NoFace, result.Skipped[0].Cause);
        Assert.Equal(embedder.Embed(photo), result.Embeddings.GetEmbedding(1).ToArray());
        Assert.All(result.Embeddings.GetEmbedding(0).ToArray(), v => Assert.Equal(0f, v));
        Assert.Throws<FaceDataException>(() => embedder.Embed([empty]));
    }

    private FaceEmbeddings ModelOnLoaderPixels(string[] paths)
    {
        using var model = FaceEmbedder.Open(_modelPath, Cpu);
        float[] pixels = [.. paths.SelectMany(p => FaceImageFile.Decode(p, _model.InputSize)).Select(b => (float)b)];
        return model.Embed(pixels, paths.Length);
    }
}
