using KappaFace.MLNet.Data.Detection;
using KappaFace.MLNet.Tests.Shared;
using Xunit;
using Xunit.Abstractions;

namespace KappaFace.MLNet.Data.Tests.Detection;

/// <summary>The shared RetinaFace model against the reference landmarks of the shared data sets.</summary>
public class RealDetectorTests(ITestOutputHelper output)
{
    private const string DetectorFile = "retinaface-mnet025.onnx";

    [SkippableFact]
    public void Landmarks_agree_with_the_reference_on_celeba_dev_within_a_pixel_on_average()
    {
        var (mean, p95, worst, missed) = Agreement("celeba-dev", "celeba-dev-aligned/landmarks.tsv");
        output.WriteLine($"celeba-dev: mean {mean:F3} px, p95 {p95:F3} px, worst {worst:F3} px, no face {missed}");
        Assert.True(mean <= 1.0, $"mean point error {mean:F3} px");
    }

    [SkippableFact]
    public void Landmarks_agree_with_the_reference_on_celeba_photos()
    {
        var (mean, p95, worst, missed) = Agreement("celeba-photos", "celeba-photos/landmarks.tsv");
        output.WriteLine($"celeba-photos: mean {mean:F3} px, p95 {p95:F3} px, worst {worst:F3} px, no face {missed}");
        Assert.True(mean <= 1.0, $"mean point error {mean:F3} px");
    }

    private static (double Mean, double P95, double Worst, int Missed) Agreement(string set, string landmarks)
    {
        string? model = SharedData.Model(DetectorFile);
        Skip.If(model is null, SharedData.MissingModelReason(DetectorFile));
        string? folder = SharedData.DataSet(set);
        Skip.If(folder is null, SharedData.MissingReason(set));
        string reference = Path.Combine(SharedData.Directory!, landmarks);
        using var detector = FaceDetector.Open(model, new FaceDetectorOptions { ExecutionProvider = "cpu", MinScore = 0.02f });
        var errors = new List<double>();
        int missed = 0;
        foreach (var chunk in ReferenceLandmarks.Read(reference).Chunk(16))
        {
            var images = chunk.Select(r => PhotoDecoder.Decode(Path.Combine(folder, r.Path)).Image).ToArray();
            var faces = detector.Detect(images);
            for (int i = 0; i < chunk.Length; i++)
            {
                if (faces[i].Count == 0)
                {
                    missed++;
                    continue;
                }

                var best = faces[i][0];
                for (int k = 0; k < 5; k++)
                {
                    errors.Add(ReferenceLandmarks.Distance(best.Landmarks[k], chunk[i].Points[k]));
                }
            }
        }

        var (mean, p95, worst) = ReferenceLandmarks.Statistics(errors);
        return (mean, p95, worst, missed);
    }
}
