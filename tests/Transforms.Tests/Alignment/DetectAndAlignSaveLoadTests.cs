using System.Diagnostics;
using System.Globalization;
using KappaFace.MLNet.Tests.Shared;
using KappaFace.MLNet.Transforms.Alignment;
using KappaFace.MLNet.Transforms.Tests.Support;
using Microsoft.ML;
using Microsoft.ML.Data;
using Xunit;
using Xunit.Abstractions;
using static KappaFace.MLNet.Transforms.Tests.Alignment.BlueDotPhotos;

namespace KappaFace.MLNet.Transforms.Tests.Alignment;

/// <summary>
/// A detect+align+embed pipeline saved with mlContext.Model.Save, with its detector file deleted afterwards,
/// loads and gives identical outputs in a new MLContext and in a fresh process that only references the assembly.
/// </summary>
public sealed class DetectAndAlignSaveLoadTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void The_pipeline_reloads_in_a_new_MLContext_without_the_detector_file()
    {
        Scenario scenario = Scenario.Create(_temp);

        var ml = new MLContext(seed: 2);
        ITransformer loaded = ml.Model.Load(scenario.ModelZip, out DataViewSchema schema);
        Result reloaded = Result.Of(loaded.Transform(Faces.PathRows(ml, scenario.Photos)));

        Assert.Equal([FaceColumnNames.ImagePath], schema.Select(c => c.Name));
        scenario.Expected.AssertIdentical(reloaded);
    }

    [Fact]
    public void The_pipeline_loads_and_runs_in_a_fresh_process_that_only_references_the_assembly()
    {
        Scenario scenario = Scenario.Create(_temp);
        string pathsFile = Path.Combine(_temp.Path, "paths.txt");
        File.WriteAllLines(pathsFile, scenario.Photos);
        string outFile = Path.Combine(_temp.Path, "out.txt");

        var watch = Stopwatch.StartNew();
        var result = ChildProcess.Run(
            ChildProcess.DotnetHost(),
            ["exec", typeof(FreshProcessProgram).Assembly.Location, FreshProcessProgram.AlignVerb, scenario.ModelZip, pathsFile, outFile],
            TimeSpan.FromSeconds(60));
        output.WriteLine($"fresh process: exit {result.ExitCode} in {watch.Elapsed.TotalSeconds:F1} s\n{result.Stdout}\n{result.Stderr}");
        Assert.Equal(0, result.ExitCode);

        string[] lines = File.ReadAllLines(outFile);
        Assert.Equal("loaded-before=False", lines[0]);
        Assert.Equal("loaded-after-load=True", lines[1]);
        scenario.Expected.AssertIdentical(Result.Parse(lines.Skip(2)));
    }

    private sealed record Scenario(string ModelZip, string[] Photos, Result Expected)
    {
        public static Scenario Create(TempFolder temp)
        {
            string[] photos =
            [
                Write(temp, "a.png", 96, 80, new Dot(40, 24, 255)),
                Write(temp, "b.png", 64, 96, new Dot(32, 72, 250)),
                Write(temp, "none.png", 64, 64),
            ];
            string detector = temp.Bytes("detector.onnx", Data.Tests.Detection.TinyRetinaFace.BlueDotDetector());
            string model = ConvModel.Create(inputSize: 56, embeddingSize: 8, kernel: 7).Save(temp.Path);
            var ml = new MLContext(seed: 1);
            IDataView rows = Faces.PathRows(ml, photos);
            var options = Options() with { DetectorBytes = null, DetectorFile = detector, OnNoFace = NoFaceRowPolicy.Flag };
            ITransformer fitted = ml.FaceRecognition().DetectAndAlignFaces(options)
                .Append(ml.Transforms.ApplyFaceEmbedding(FaceColumnNames.Embedding, FaceColumnNames.FaceImage, model))
                .Fit(rows);
            Result expected = Result.Of(fitted.Transform(rows));
            string zip = Path.Combine(temp.Path, "align.zip");
            ml.Model.Save(fitted, rows.Schema, zip);

            // The saved model carries the detector (and the embedding model): neither file is needed any more.
            File.Delete(detector);
            File.Delete(model);
            Assert.Equal([true, true, false], expected.Found);
            return new Scenario(zip, photos, expected);
        }
    }

    private sealed record Result(float[] Scores, bool[] Found, float[][] Landmarks, float[][] Embeddings)
    {
        public static Result Of(IDataView data) => new(
            [.. data.GetColumn<float>(FaceColumnNames.FaceScore)],
            [.. data.GetColumn<bool>(FaceColumnNames.FaceFound)],
            Faces.Column(data, FaceColumnNames.FaceLandmarks),
            Faces.Column(data, FaceColumnNames.Embedding));

        public static Result Parse(IEnumerable<string> lines)
        {
            static float[] Floats(string text) => [.. text.Split(',').Select(v => float.Parse(v, CultureInfo.InvariantCulture))];
            var rows = lines.Select(l => l.Split('\t')).ToArray();
            return new Result(
                [.. rows.Select(r => float.Parse(r[0], CultureInfo.InvariantCulture))],
                [.. rows.Select(r => bool.Parse(r[1]))],
                [.. rows.Select(r => Floats(r[2]))],
                [.. rows.Select(r => Floats(r[3]))]);
        }

        public void AssertIdentical(Result other)
        {
            Assert.Equal(Scores, other.Scores);
            Assert.Equal(Found, other.Found);
            Assert.Equal(Landmarks.Length, other.Landmarks.Length);
            for (int i = 0; i < Landmarks.Length; i++)
            {
                // NaN == NaN for Assert.Equal on float arrays, so a flagged row compares too.
                Assert.Equal(Landmarks[i], other.Landmarks[i]);
                Assert.Equal(Embeddings[i], other.Embeddings[i]);
            }
        }
    }
}
