using System.Diagnostics;
using System.Globalization;
using KappaFace.MLNet.Tests.Shared;
using KappaFace.MLNet.Transforms.Tests.Support;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using Xunit;
using Xunit.Abstractions;

namespace KappaFace.MLNet.Transforms.Tests.Embedding;

/// <summary>
/// A whole verification pipeline (load two images, embed both, score, decide) saved with
/// mlContext.Model.Save and loaded back: in a new MLContext, and in a fresh process.
/// </summary>
public class SaveLoadTests
{
    private readonly ITestOutputHelper _output;

    public SaveLoadTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void Pipeline_round_trips_through_Save_and_Load_in_a_new_MLContext()
    {
        using var temp = new TempFolder();
        Scenario scenario = Scenario.Create(temp);

        var reloadedContext = new MLContext(seed: 2);
        ITransformer loaded = reloadedContext.Model.Load(scenario.ModelZip, out DataViewSchema inputSchema);
        Result reloaded = Result.Of(loaded.Transform(scenario.Rows(reloadedContext)));

        Assert.Equal([FaceColumnNames.ImagePathA, FaceColumnNames.ImagePathB], inputSchema.Select(c => c.Name));
        scenario.Expected.AssertIdentical(reloaded);
        scenario.AssertThresholdIsExact(reloaded);
    }

    [Fact]
    public void Pipeline_loads_in_a_fresh_process_that_only_references_the_assembly()
    {
        using var temp = new TempFolder();
        Scenario scenario = Scenario.Create(temp);
        string pairsFile = Path.Combine(temp.Path, "pairs.tsv");
        File.WriteAllLines(pairsFile, scenario.Pairs.Select(p => $"{p.ImagePathA}\t{p.ImagePathB}"));
        string outFile = Path.Combine(temp.Path, "out.txt");

        string assembly = typeof(FreshProcessProgram).Assembly.Location;
        var watch = Stopwatch.StartNew();
        var result = ChildProcess.Run(
            ChildProcess.DotnetHost(), ["exec", assembly, FreshProcessProgram.Verb, scenario.ModelZip, pairsFile, outFile], TimeSpan.FromSeconds(60));
        _output.WriteLine($"fresh process: exit {result.ExitCode} in {watch.Elapsed.TotalSeconds:F1} s\n{result.Stdout}\n{result.Stderr}");
        Assert.Equal(0, result.ExitCode);

        string[] lines = File.ReadAllLines(outFile);
        // The assembly was not loaded (so nothing was registered) until ML.NET loaded the model.
        Assert.Equal("loaded-before=False", lines[0]);
        Assert.Equal("loaded-after-load=True", lines[1]);
        Result fresh = Result.Parse(lines.Skip(2));
        scenario.Expected.AssertIdentical(fresh);
        scenario.AssertThresholdIsExact(fresh);
    }

    [Fact]
    public void Model_with_an_MLImage_input_column_saves_with_a_null_schema_and_reloads()
    {
        using var temp = new TempFolder();
        string modelPath = ConvModel.Create(inputSize: 32, embeddingSize: 6).Save(temp.Path);
        string[] images = Faces.SyntheticImages(temp.Folder("faces"), identities: 2, perIdentity: 1);
        var ml = new MLContext(seed: 1);
        var rows = images.Select(p => new ImageRow { Image = MLImage.CreateFromFile(p) }).ToList();
        try
        {
            IDataView data = ml.Data.LoadFromEnumerable(rows);
            ITransformer model = ml.Transforms.ApplyFaceEmbedding(modelPath).Fit(data);
            float[][] expected = Faces.Column(model.Transform(data), FaceColumnNames.Embedding);
            string zip = Path.Combine(temp.Path, "image-input.zip");

            // ML.NET cannot save an input schema that holds an MLImage column, so none is given.
            ml.Model.Save(model, inputSchema: null, zip);
            ITransformer loaded = new MLContext(seed: 3).Model.Load(zip, out DataViewSchema schema);

            Assert.Null(schema);
            Assert.Equal(expected, Faces.Column(loaded.Transform(data), FaceColumnNames.Embedding));
        }
        finally
        {
            rows.ForEach(r => r.Image.Dispose());
        }
    }

    public sealed class ImageRow
    {
        [ImageType(112, 112)]
        public MLImage Image { get; set; } = null!;
    }

    /// <summary>A fitted, saved verification pipeline over pairs of synthetic faces, its expected outputs and its threshold.</summary>
    private sealed class Scenario
    {
        private Scenario(string modelZip, PairPathRow[] pairs, Result expected, float threshold)
        {
            ModelZip = modelZip;
            Pairs = pairs;
            Expected = expected;
            Threshold = threshold;
        }

        public string ModelZip { get; }

        public PairPathRow[] Pairs { get; }

        public Result Expected { get; }

        public float Threshold { get; }

        public static Scenario Create(TempFolder temp)
        {
            string modelPath = ConvModel.Create(inputSize: 56, embeddingSize: 8, kernel: 7).Save(temp.Path);
            string[] images = Faces.SyntheticImages(temp.Folder("faces"), identities: 3, perIdentity: 2);
            PairPathRow[] pairs =
            [
                .. from i in Enumerable.Range(0, images.Length)
                   from j in Enumerable.Range(0, images.Length)
                   where i < j
                   select new PairPathRow { ImagePathA = images[i], ImagePathB = images[j] },
            ];
            var ml = new MLContext(seed: 1);
            IDataView data = ml.Data.LoadFromEnumerable(pairs);

            // The threshold is one of the scores exactly, so "Score >= threshold" is decided at equality.
            float[] scores = [.. Pipeline(ml, modelPath, threshold: 0).Fit(data).Transform(data).GetColumn<float>(FaceColumnNames.Score)];
            float threshold = scores.Order().ElementAt(scores.Length / 2);

            ITransformer model = Pipeline(ml, modelPath, threshold).Fit(data);
            Result expected = Result.Of(model.Transform(data));
            string zip = Path.Combine(temp.Path, "verify.zip");
            ml.Model.Save(model, data.Schema, zip);
            return new Scenario(zip, pairs, expected, threshold);
        }

        public IDataView Rows(MLContext ml) => ml.Data.LoadFromEnumerable(Pairs);

        /// <summary>The decisions are Score &gt;= threshold, with at least one score equal to it and both outcomes present.</summary>
        public void AssertThresholdIsExact(Result result)
        {
            for (int i = 0; i < result.Scores.Length; i++)
            {
                Assert.Equal(result.Scores[i] >= Threshold, result.Decisions[i]);
            }

            Assert.Contains(result.Scores, s => s == Threshold);
            Assert.Contains(true, result.Decisions);
            Assert.Contains(false, result.Decisions);
        }

        private static IEstimator<ITransformer> Pipeline(MLContext ml, string modelPath, float threshold) =>
            ml.Transforms.LoadImages(FaceColumnNames.ImageA, null, FaceColumnNames.ImagePathA)
                .Append(ml.Transforms.LoadImages(FaceColumnNames.ImageB, null, FaceColumnNames.ImagePathB))
                .Append(ml.Transforms.ApplyFaceEmbedding(FaceColumnNames.EmbeddingA, FaceColumnNames.ImageA, modelPath))
                .Append(ml.Transforms.ApplyFaceEmbedding(FaceColumnNames.EmbeddingB, FaceColumnNames.ImageB, modelPath))
                .Append(ml.Transforms.ScoreFacePairs(threshold: threshold));
    }

    private sealed record Result(float[] Scores, bool[] Decisions, float[][] EmbeddingsA)
    {
        public static Result Of(IDataView output) => new(
            [.. output.GetColumn<float>(FaceColumnNames.Score)],
            [.. output.GetColumn<bool>(FaceColumnNames.PredictedLabel)],
            Faces.Column(output, FaceColumnNames.EmbeddingA));

        public static Result Parse(IEnumerable<string> lines)
        {
            var scores = new List<float>();
            var decisions = new List<bool>();
            var embeddings = new List<float[]>();
            foreach (string line in lines)
            {
                string[] fields = line.Split('\t');
                scores.Add(float.Parse(fields[0], CultureInfo.InvariantCulture));
                decisions.Add(bool.Parse(fields[1]));
                embeddings.Add([.. fields[2].Split(',').Select(v => float.Parse(v, CultureInfo.InvariantCulture))]);
            }

            return new Result([.. scores], [.. decisions], [.. embeddings]);
        }

        public void AssertIdentical(Result other)
        {
            Assert.Equal(Scores, other.Scores);
            Assert.Equal(Decisions, other.Decisions);
            Assert.Equal(EmbeddingsA.Length, other.EmbeddingsA.Length);
            for (int i = 0; i < EmbeddingsA.Length; i++)
            {
                Assert.Equal(EmbeddingsA[i], other.EmbeddingsA[i]);
            }
        }
    }
}
