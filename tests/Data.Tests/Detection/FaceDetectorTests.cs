using KappaFace.MLNet.Data.Detection;
using KappaFace.MLNet.Onnx;
using KappaFace.MLNet.Tests.Shared;
using Microsoft.ML.OnnxRuntime;
using Xunit;

namespace KappaFace.MLNet.Data.Tests.Detection;

/// <summary>The detector on hand-built RetinaFace-layout models, and on the shared model when present.</summary>
public class FaceDetectorTests
{
    private static readonly FaceDetectorOptions Cpu = new() { ExecutionProvider = "cpu", IntraOpThreads = 1 };

    [Fact]
    public void A_planted_face_comes_back_as_its_prior_box_in_source_pixels()
    {
        using var detector = FaceDetector.Open(TinyRetinaFace.BlueDotDetector(), new FaceDetectorOptions { ExecutionProvider = "cpu", MinimumDetectionSide = 32 });
        // 64 x 48 image (detected as it is), blue at (24, 16): the stride-8 cell (row 2, column 3), prior centre (28, 20), 16 px.
        var image = Image(64, 48, (x, y) => x == 24 && y == 16 ? (0, 0, 255) : (0, 0, 0));

        var face = Assert.Single(detector.Detect(image));

        Assert.True(face.Score > 0.99f, $"score {face.Score}");
        Assert.Equal([20f, 12f, 36f, 28f], [face.Box.X1, face.Box.Y1, face.Box.X2, face.Box.Y2], new Close(1e-4f));
        for (int k = 0; k < 5; k++)
        {
            // 0.1 x offset x 16-pixel anchor from the prior centre.
            float[] expected = [28f + (1.6f * TinyRetinaFace.LandmarkOffsets[2 * k]), 20f + (1.6f * TinyRetinaFace.LandmarkOffsets[(2 * k) + 1])];
            Assert.Equal(expected, [face.Landmarks[k].X, face.Landmarks[k].Y], new Close(1e-4f));
        }
    }

    [Theory]
    [InlineData(30, 20, 64, 640)]   // upscaled 64 / 30
    [InlineData(90, 70, 32, 45)]    // downscaled to 45 x 35
    public void A_rescaled_image_reports_faces_in_its_own_pixels(int width, int height, int minimumSide, int maximumSide)
    {
        // The same detection run by hand on the resized image, with coordinates divided by the scale.
        byte[] model = TinyRetinaFace.Random(seed: 3);
        var image = RandomImage(new Random(4), width, height);
        var scaled = new FaceDetectorOptions { ExecutionProvider = "cpu", MinScore = 0.1f, MinimumDetectionSide = minimumSide, MaximumDetectionSide = maximumSide };
        using var detector = FaceDetector.Open(model, scaled);
        using var plain = FaceDetector.Open(model, new FaceDetectorOptions { ExecutionProvider = "cpu", MinScore = 0.1f, MinimumDetectionSide = 32, MaximumDetectionSide = 4096 });
        var size = DetectionScale.For(width, height, minimumSide, maximumSide);
        Assert.False(size.IsIdentity);

        var faces = detector.Detect(image);
        var expected = plain.Detect(ImageScaler.Resize(image, size.Width, size.Height));

        Assert.NotEmpty(faces);
        Assert.Equal(expected.Count, faces.Count);
        for (int i = 0; i < faces.Count; i++)
        {
            Assert.Equal(expected[i].Box.X1 * width / size.Width, faces[i].Box.X1, 3);
            Assert.Equal(expected[i].Box.Y2 * height / size.Height, faces[i].Box.Y2, 3);
            Assert.Equal(expected[i].Landmarks[4].X * width / size.Width, faces[i].Landmarks[4].X, 3);
            Assert.Equal(expected[i].Landmarks[4].Y * height / size.Height, faces[i].Landmarks[4].Y, 3);
        }
    }

    [Fact]
    public void Batched_detection_of_mixed_sizes_equals_a_naive_decoding_of_each_image()
    {
        byte[] model = TinyRetinaFace.Random(seed: 5);
        var random = new Random(9);
        RgbImage[] images = [RandomImage(random, 40, 24), RandomImage(random, 40, 24), RandomImage(random, 33, 57), RandomImage(random, 40, 24)];
        using var detector = FaceDetector.Open(model, new FaceDetectorOptions { ExecutionProvider = "cpu", MinScore = 0f, MinimumDetectionSide = 32, MaxBatch = 2 });
        using var session = new InferenceSession(model);

        var faces = detector.Detect(images);

        for (int i = 0; i < images.Length; i++)
        {
            var (score, box, points) = NaiveRetinaFace.Best(session, images[i]);
            var best = faces[i][0];
            Assert.Equal(score, best.Score, 6);
            Assert.Equal(box, [best.Box.X1, best.Box.Y1, best.Box.X2, best.Box.Y2], new Close(1e-3f));
            Assert.Equal(points, best.Landmarks.SelectMany(p => new[] { p.X, p.Y }).ToArray(), new Close(1e-3f));
        }
    }

    [Fact]
    public void Concurrent_calls_give_the_answers_of_sequential_ones()
    {
        using var detector = FaceDetector.Open(TinyRetinaFace.Random(seed: 2), new FaceDetectorOptions { ExecutionProvider = "cpu", MinScore = 0.1f });
        var random = new Random(1);
        var images = Enumerable.Range(0, 12).Select(i => RandomImage(random, 48 + (8 * (i % 3)), 40)).ToArray();
        var sequential = images.Select(detector.Detect).ToArray();
        var parallel = new IReadOnlyList<DetectedFace>[images.Length];
        Parallel.For(0, images.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => parallel[i] = detector.Detect(images[i]));
        for (int i = 0; i < images.Length; i++)
        {
            Assert.Equal(sequential[i].Select(f => (f.Box, f.Score)), parallel[i].Select(f => (f.Box, f.Score)));
        }
    }

    [Fact]
    public void Other_layouts_are_refused_naming_the_model_and_the_difference()
    {
        var noLoc = TinyRetinaFace.Build((_, _, _, _, _) => (0f, 0f), locName: "boxes");
        var ex = Assert.Throws<OnnxModelException>(() => FaceDetector.Open(noLoc, Cpu, "scrfd.onnx"));
        Assert.Contains("scrfd.onnx", ex.Message, StringComparison.Ordinal);
        Assert.Contains("no output 'loc'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("RetinaFace", ex.Message, StringComparison.Ordinal);

        var otherInput = TinyRetinaFace.Build((_, _, _, _, _) => (0f, 0f), inputName: "data");
        ex = Assert.Throws<OnnxModelException>(() => FaceDetector.Open(otherInput, Cpu, "other.onnx"));
        Assert.Contains("inputs are (data)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_file_and_bad_options_fail_clearly()
    {
        var ex = Assert.Throws<OnnxModelException>(() => FaceDetector.Open("/nonexistent/det.onnx", Cpu));
        Assert.Contains("/nonexistent/det.onnx", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => FaceDetector.Open(TinyRetinaFace.BlueDotDetector(), new FaceDetectorOptions { MinScore = 2f }));
        Assert.Throws<ArgumentOutOfRangeException>(() => FaceDetector.Open(TinyRetinaFace.BlueDotDetector(), new FaceDetectorOptions { MinimumDetectionSide = 700 }));
    }

    [Fact]
    public void Detection_after_dispose_throws()
    {
        var detector = FaceDetector.Open(TinyRetinaFace.BlueDotDetector(), Cpu);
        detector.Dispose();
        Assert.Throws<ObjectDisposedException>(() => detector.Detect(Image(16, 16, (_, _) => (0, 0, 0))));
    }

    [SkippableFact]
    public void The_shared_model_gives_the_naive_decoding_on_fixed_photos()
    {
        string? model = SharedData.Model("retinaface-mnet025.onnx");
        Skip.If(model is null, SharedData.MissingModelReason("retinaface-mnet025.onnx"));
        string? photos = SharedData.DataSet("celeba-photos");
        Skip.If(photos is null, SharedData.MissingReason("celeba-photos"));
        using var detector = FaceDetector.Open(model, new FaceDetectorOptions { ExecutionProvider = "cpu", MinScore = 0f });
        using var session = new InferenceSession(model);
        foreach (string name in new[] { "id07201/001085.jpg", "id07201/007710.jpg", "id07201/017588.jpg" })
        {
            var image = PhotoDecoder.Decode(Path.Combine(photos, name)).Image;
            Assert.True(Math.Max(image.Width, image.Height) is >= 224 and <= 640, "these photos are detected unscaled");
            var (score, box, points) = NaiveRetinaFace.Best(session, image);
            var best = detector.Detect(image)[0];
            Assert.Equal(score, best.Score, 5);
            Assert.Equal(box, [best.Box.X1, best.Box.Y1, best.Box.X2, best.Box.Y2], new Close(1e-3f));
            Assert.Equal(points, best.Landmarks.SelectMany(p => new[] { p.X, p.Y }).ToArray(), new Close(1e-3f));
        }
    }

    internal static RgbImage Image(int width, int height, Func<int, int, (int R, int G, int B)> colour)
    {
        var pixels = new byte[3 * width * height];
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                var (r, g, b) = colour(x, y);
                int i = 3 * ((y * width) + x);
                (pixels[i], pixels[i + 1], pixels[i + 2]) = ((byte)r, (byte)g, (byte)b);
            }
        }

        return new RgbImage(width, height, pixels);
    }

    private static RgbImage RandomImage(Random random, int width, int height)
    {
        var pixels = new byte[3 * width * height];
        random.NextBytes(pixels);
        return new RgbImage(width, height, pixels);
    }

    private sealed class Close(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(float obj) => 0;
    }
}
