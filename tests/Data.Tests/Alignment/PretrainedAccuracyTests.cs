using KappaFace.MLNet.Data.Alignment;
using KappaFace.MLNet.Data.Detection;
using KappaFace.MLNet.Tests.Shared;
using KappaFace.MLNet.Transforms.Evaluation;
using Microsoft.ML.OnnxRuntime;
using Xunit;
using Xunit.Abstractions;

namespace KappaFace.MLNet.Data.Tests.Alignment;

/// <summary>
/// Our crops of celeba-dev embedded by the shared pretrained MobileFaceNet (run with ONNX Runtime directly by
/// the contract of its documentation: RGB 0..1, ImageNet mean and std, batch 1; image + mirror embeddings
/// summed) verify the celeba-dev pairs as well as the reference crops do.
/// </summary>
public class PretrainedAccuracyTests(ITestOutputHelper output)
{
    [SkippableFact]
    public void Our_crops_verify_as_well_as_the_reference_crops()
    {
        string? detectorFile = SharedData.Model("retinaface-mnet025.onnx");
        string? embedderFile = SharedData.Model("mobilefacenet-foamliu.onnx");
        Skip.If(detectorFile is null || embedderFile is null, SharedData.MissingModelReason("retinaface-mnet025.onnx / mobilefacenet-foamliu.onnx"));
        string? dev = SharedData.DataSet("celeba-dev");
        string? aligned = SharedData.DataSet("celeba-dev-aligned");
        Skip.If(dev is null || aligned is null, SharedData.MissingReason("celeba-dev / celeba-dev-aligned"));

        var pairs = PairsFile.Read(Path.Combine(dev, "pairs.txt"), dev);
        string[] paths = [.. pairs.Pairs.SelectMany(p => new[] { p.PathA, p.PathB }).Distinct(StringComparer.Ordinal)];
        using var detector = FaceDetector.Open(detectorFile, new FaceDetectorOptions { ExecutionProvider = "cpu", MinScore = 0f });
        using var session = new InferenceSession(embedderFile);

        // Ours: the reference procedure's choice (the best prior, whatever its score) so every image has a crop.
        var ours = new Dictionary<string, float[]>(StringComparer.Ordinal);
        var reference = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (var chunk in paths.Chunk(16))
        {
            var photos = chunk.Select(p => PhotoDecoder.Decode(p).Image).ToArray();
            var faces = detector.Detect(photos);
            for (int i = 0; i < chunk.Length; i++)
            {
                ours[chunk[i]] = Embed(session, FaceAligner.Align(photos[i], faces[i][0].Landmarks, 112));
                string relative = Path.GetRelativePath(dev, chunk[i]);
                reference[chunk[i]] = Embed(session, PhotoDecoder.Decode(Path.Combine(aligned, relative)).Image);
            }
        }

        double ourAccuracy = Accuracy(pairs, ours);
        double referenceAccuracy = Accuracy(pairs, reference);
        output.WriteLine($"celeba-dev pairs, pretrained MobileFaceNet: our crops {ourAccuracy:F4}, reference crops {referenceAccuracy:F4}");
        Assert.True(ourAccuracy >= 0.96, $"our crops {ourAccuracy:F4}");
        Assert.True(ourAccuracy >= referenceAccuracy - 0.005, $"our crops {ourAccuracy:F4} vs reference {referenceAccuracy:F4}");
    }

    private static double Accuracy(FacePairsFile pairs, Dictionary<string, float[]> embeddings)
    {
        var scores = pairs.Pairs.Select(p => Dot(embeddings[p.PathA], embeddings[p.PathB])).ToArray();
        var same = pairs.Pairs.Select(p => p.Same).ToArray();
        var folds = pairs.Pairs.Select(p => p.Fold!.Value).ToArray();
        return new VerificationEvaluator().Evaluate(scores, same, folds).Accuracy;
    }

    /// <summary>The normalised sum of the normalised embeddings of the crop and its mirror image.</summary>
    private static float[] Embed(InferenceSession session, RgbImage crop)
    {
        float[] sum = new float[128];
        foreach (bool mirror in new[] { false, true })
        {
            var input = new float[3 * 112 * 112];
            float[] mean = [0.485f, 0.456f, 0.406f], std = [0.229f, 0.224f, 0.225f];
            for (int y = 0; y < 112; y++)
            {
                for (int x = 0; x < 112; x++)
                {
                    int sx = mirror ? 111 - x : x;
                    for (int c = 0; c < 3; c++)
                    {
                        input[(c * 112 * 112) + (y * 112) + x] = ((crop.Pixels[(3 * ((y * 112) + sx)) + c] / 255f) - mean[c]) / std[c];
                    }
                }
            }

            using var value = OrtValue.CreateTensorValueFromMemory(input, [1, 3, 112, 112]);
            using var outputs = session.Run(new RunOptions(), ["input0"], [value], ["output0"]);
            var e = outputs[0].GetTensorDataAsSpan<float>().ToArray();
            float norm = MathF.Sqrt(e.Sum(v => v * v));
            for (int i = 0; i < sum.Length; i++)
            {
                sum[i] += e[i] / norm;
            }
        }

        float n = MathF.Sqrt(sum.Sum(v => v * v));
        return [.. sum.Select(v => v / n)];
    }

    private static float Dot(float[] a, float[] b) => a.Zip(b, (x, y) => x * y).Sum();
}
