using KappaFace.MLNet.Data;
using KappaFace.MLNet.Data.Alignment;
using KappaFace.MLNet.Data.Detection;
using KappaFace.MLNet.Data.Tests.Detection;
using KappaFace.MLNet.Onnx;
using KappaFace.MLNet.Tests.Shared;
using KappaFace.MLNet.Transforms.Alignment;
using KappaFace.MLNet.Transforms.Tests.Support;
using Microsoft.ML;
using Microsoft.ML.Data;
using Xunit;
using static KappaFace.MLNet.Transforms.Tests.Alignment.BlueDotPhotos;

namespace KappaFace.MLNet.Transforms.Tests.Alignment;

/// <summary>
/// DetectAndAlignFaces end to end on photos the tests make, with a hand-built detector whose answers are known
/// exactly (<see cref="BlueDotPhotos"/>): the columns it writes, the face it picks, its no-face policy, and
/// detect+align+embed against the library path (PhotoFaces, FaceEmbedder).
/// </summary>
public sealed class DetectAndAlignFacesTests : IDisposable
{
    private readonly TempFolder _temp = new();
    private readonly MLContext _ml = new(seed: 1);

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void A_planted_face_comes_back_with_its_exact_score_landmarks_and_crop()
    {
        var dot = new Dot(40, 24, 255);
        string photo = Write(_temp, "one.png", 96, 80, dot);
        IDataView rows = Faces.PathRows(_ml, [photo]);

        IDataView output = _ml.FaceRecognition().DetectAndAlignFaces(Options()).Fit(rows).Transform(rows);

        Assert.True(Assert.Single(output.GetColumn<bool>(FaceColumnNames.FaceFound)));
        Assert.Equal(Score(255), Assert.Single(output.GetColumn<float>(FaceColumnNames.FaceScore)), 5);
        float[] landmarks = Assert.Single(Faces.Column(output, FaceColumnNames.FaceLandmarks));
        Assert.Equal(Landmarks(dot), landmarks, new FloatTolerance(1e-4f));

        // The crop is the library's aligned crop of the decoded photo at those landmarks, pixel for pixel.
        RgbImage expected = FaceAligner.Align(PhotoDecoder.Decode(photo).Image, Points(landmarks), 56);
        RgbImage crop = Crops(output).Single();
        Assert.Equal(56, crop.Width);
        Assert.Equal(56, crop.Height);
        Assert.Equal(expected.Pixels, crop.Pixels);
        Assert.Contains(crop.Pixels, b => b != 0);
    }

    [Fact]
    public void The_best_face_is_chosen()
    {
        var best = new Dot(64, 48, 255);
        string photo = Write(_temp, "two.png", 96, 80, new Dot(16, 16, 200), best);
        string other = Write(_temp, "three.png", 72, 64, new Dot(24, 32, 230));
        IDataView rows = Faces.PathRows(_ml, [photo, other]);

        IDataView output = _ml.FaceRecognition().DetectAndAlignFaces(Options()).Fit(rows).Transform(rows);

        Assert.Equal(Landmarks(best), Faces.Column(output, FaceColumnNames.FaceLandmarks)[0], new FloatTolerance(1e-4f));
        Assert.Equal([Score(255), Score(230)], output.GetColumn<float>(FaceColumnNames.FaceScore).ToArray(), new FloatTolerance(1e-5f));
    }

    [Fact]
    public void Detect_align_then_embed_equals_the_library_path()
    {
        string[] photos =
        [
            Write(_temp, "a.png", 96, 80, new Dot(40, 24, 255)),
            Write(_temp, "b.png", 120, 64, new Dot(88, 40, 240), new Dot(8, 8, 180)),
            Write(_temp, "c.png", 64, 96, new Dot(32, 72, 250)),
        ];
        string model = ConvModel.Create(inputSize: 56, embeddingSize: 8, kernel: 7).Save(_temp.Path);
        IDataView rows = Faces.PathRows(_ml, photos);

        var pipeline = _ml.FaceRecognition().DetectAndAlignFaces(Options())
            .Append(_ml.Transforms.ApplyFaceEmbedding(FaceColumnNames.Embedding, FaceColumnNames.FaceImage, model));
        float[][] actual = Faces.Column(pipeline.Fit(rows).Transform(rows), FaceColumnNames.Embedding);

        // The library path of `kappaface embed --detector`: PhotoFaces.BestCrop, then FaceEmbedder.
        using var detector = FaceDetector.Open(TinyRetinaFace.BlueDotDetector(), new FaceDetectorOptions { ExecutionProvider = "cpu", MinimumDetectionSide = 32 });
        float[][] expected = Faces.Embed(model, [.. photos.Select(p => Planes(PhotoFaces.BestCrop(detector, p, 56)))]);
        Faces.AssertClose(expected, actual, 1e-4);
        Assert.True(expected[0].Zip(expected[1]).Max(p => Math.Abs(p.First - p.Second)) > 1e-3, "different photos must embed differently");
    }

    [Fact]
    public void A_photo_without_a_face_fails_its_row_with_a_NoFaceException_naming_the_file()
    {
        string face = Write(_temp, "face.png", 64, 64, new Dot(32, 32, 255));
        string empty = Write(_temp, "empty.png", 64, 64);
        IDataView rows = Faces.PathRows(_ml, [face, empty]);

        IDataView output = _ml.FaceRecognition().DetectAndAlignFaces(Options()).Fit(rows).Transform(rows);

        var error = Assert.ThrowsAny<Exception>(() => output.GetColumn<float>(FaceColumnNames.FaceScore).ToArray());
        NoFaceException noFace = Find<NoFaceException>(error);
        Assert.Equal(empty, noFace.Path);
        Assert.Contains("empty.png", noFace.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Flag_marks_a_photo_without_a_face_and_a_filter_on_the_score_drops_it()
    {
        string face = Write(_temp, "face.png", 64, 64, new Dot(32, 32, 255));
        string empty = Write(_temp, "empty.png", 64, 64);
        IDataView rows = Faces.PathRows(_ml, [face, empty, face]);

        IDataView output = _ml.FaceRecognition().DetectAndAlignFaces(Options() with { OnNoFace = NoFaceRowPolicy.Flag }).Fit(rows).Transform(rows);

        Assert.Equal([true, false, true], output.GetColumn<bool>(FaceColumnNames.FaceFound));
        float[] scores = [.. output.GetColumn<float>(FaceColumnNames.FaceScore)];
        Assert.Equal(0f, scores[1]);
        Assert.True(scores[0] > 0.99f);
        Assert.All(Faces.Column(output, FaceColumnNames.FaceLandmarks)[1], v => Assert.True(float.IsNaN(v)));
        RgbImage[] crops = Crops(output);
        Assert.All(crops[1].Pixels, b => Assert.Equal(0, b));
        Assert.Equal(56, crops[1].Width);

        IDataView kept = _ml.Data.FilterRowsByColumn(output, FaceColumnNames.FaceScore, lowerBound: 0.5);
        Assert.Equal([face, face], kept.GetColumn<string>(FaceColumnNames.ImagePath));
    }

    [Fact]
    public void Two_pipelines_with_one_detector_and_different_settings_keep_their_own_settings()
    {
        // Score sigmoid(2.6) = 0.93: a face at MinScore 0.5, none at 0.95. Both share the process's detector cache.
        string photo = Write(_temp, "weak.png", 64, 64, new Dot(32, 32, 180));
        IDataView rows = Faces.PathRows(_ml, [photo]);

        IDataView loose = _ml.FaceRecognition().DetectAndAlignFaces(Options() with { OnNoFace = NoFaceRowPolicy.Flag }).Fit(rows).Transform(rows);
        IDataView strict = _ml.FaceRecognition().DetectAndAlignFaces(Options() with { OnNoFace = NoFaceRowPolicy.Flag, MinScore = 0.95f }).Fit(rows).Transform(rows);

        Assert.Equal([true], loose.GetColumn<bool>(FaceColumnNames.FaceFound));
        Assert.Equal([false], strict.GetColumn<bool>(FaceColumnNames.FaceFound));
        Assert.Equal([true], loose.GetColumn<bool>(FaceColumnNames.FaceFound));
    }

    [Fact]
    public void An_unreadable_photo_fails_with_the_decoder_error_naming_it()
    {
        string broken = _temp.Bytes("broken.png", [1, 2, 3, 4]);
        IDataView rows = Faces.PathRows(_ml, [broken]);

        IDataView output = _ml.FaceRecognition().DetectAndAlignFaces(Options() with { OnNoFace = NoFaceRowPolicy.Flag }).Fit(rows).Transform(rows);

        var error = Find<FaceDataException>(Assert.ThrowsAny<Exception>(() => output.GetColumn<bool>(FaceColumnNames.FaceFound).ToArray()));
        Assert.Equal(broken, error.Path);
    }

    internal static T Find<T>(Exception error)
        where T : Exception
    {
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            if (e is T found)
            {
                return found;
            }
        }

        throw new Xunit.Sdk.XunitException($"expected a {typeof(T).Name} in the exception chain, got: {error}");
    }

    internal static RgbImage[] Crops(IDataView output, string column = FaceColumnNames.FaceImage) =>
        [.. output.GetColumn<MLImage>(column).Select(ToRgb)];

    /// <summary>The RGB pixels of an ML.NET image (32-bit BGRA or RGBA, alpha dropped).</summary>
    private static RgbImage ToRgb(MLImage image)
    {
        ReadOnlySpan<byte> source = image.Pixels;
        int count = image.Width * image.Height;
        Assert.Equal(4 * count, source.Length);
        bool bgra = image.PixelFormat == MLPixelFormat.Bgra32;
        var pixels = new byte[3 * count];
        for (int i = 0; i < count; i++)
        {
            pixels[3 * i] = source[(4 * i) + (bgra ? 2 : 0)];
            pixels[(3 * i) + 1] = source[(4 * i) + 1];
            pixels[(3 * i) + 2] = source[(4 * i) + (bgra ? 0 : 2)];
        }

        return new RgbImage(image.Width, image.Height, pixels);
    }

    internal static float[] Planes(RgbImage image)
    {
        var planes = new float[3 * image.Width * image.Height];
        image.WritePlanes(planes);
        return planes;
    }

    private static FacePoint[] Points(float[] xy) => [.. Enumerable.Range(0, 5).Select(k => new FacePoint(xy[2 * k], xy[(2 * k) + 1]))];

    private sealed class FloatTolerance(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(float obj) => 0;
    }
}
