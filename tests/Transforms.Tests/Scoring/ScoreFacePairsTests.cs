using KappaFace.MLNet.Onnx;
using KappaFace.MLNet.Tests.Shared;
using KappaFace.MLNet.Data;
using KappaFace.MLNet.Transforms.Evaluation;
using KappaFace.MLNet.Transforms.Scoring;
using KappaFace.MLNet.Transforms.Tests.Support;
using Microsoft.ML;
using Microsoft.ML.Data;
using Xunit;
using Xunit.Abstractions;

namespace KappaFace.MLNet.Transforms.Tests.Scoring;

public class ScoreFacePairsTests
{
    private readonly ITestOutputHelper _output;

    public ScoreFacePairsTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void Score_is_the_cosine_and_the_decision_is_score_at_least_threshold()
    {
        var ml = new MLContext(seed: 1);
        EmbeddingPair[] pairs =
        [
            new([1, 0, 0], [1, 1, 0], Same: true),     // cos = 1/sqrt(2)
            new([0, 1, 0], [0, -2, 0], Same: false),   // -1
            new([0, 0, 0], [1, 2, 3], Same: false),    // no direction: 0
            new([3, 4, 0], [3, 4, 0], Same: true),     // 1
            new([1, 2, 3], [3, 2, 1], Same: false),    // 10/14
        ];
        IDataView data = EmbeddingPair.Rows(ml, pairs, dimension: 3);

        IDataView scored = ml.Transforms.ScoreFacePairs(threshold: 0.7).Fit(data).Transform(data);

        float[] scores = [.. scored.GetColumn<float>(FaceColumnNames.Score)];
        double[] naive = [1 / Math.Sqrt(2), -1, 0, 1, 10.0 / 14];
        for (int i = 0; i < pairs.Length; i++)
        {
            Assert.Equal(naive[i], scores[i], 6);
        }

        Assert.Equal([true, false, false, true, true], scored.GetColumn<bool>(FaceColumnNames.PredictedLabel));
        Assert.Equal(
            [FaceColumnNames.EmbeddingA, FaceColumnNames.EmbeddingB, FaceColumnNames.Label, FaceColumnNames.Score, FaceColumnNames.PredictedLabel],
            scored.Schema.Select(c => c.Name));
        Assert.Equal(NumberDataViewType.Single, scored.Schema[FaceColumnNames.Score].Type);
        Assert.Equal(BooleanDataViewType.Instance, scored.Schema[FaceColumnNames.PredictedLabel].Type);
    }

    [Fact]
    public void Threshold_is_applied_exactly_as_a_float32_at_equality()
    {
        var ml = new MLContext(seed: 1);
        EmbeddingPair[] pairs = RandomPairs(40, dimension: 6, seed: 4);
        IDataView data = EmbeddingPair.Rows(ml, pairs, dimension: 6);
        float[] scores = [.. ml.Transforms.ScoreFacePairs().Fit(data).Transform(data).GetColumn<float>(FaceColumnNames.Score)];
        float t = scores.Order().ElementAt(17);

        bool[] Decide(double threshold) =>
            [.. ml.Transforms.ScoreFacePairs(threshold: threshold).Fit(data).Transform(data).GetColumn<bool>(FaceColumnNames.PredictedLabel)];

        Assert.Equal(scores.Select(s => s >= t), Decide(t));
        Assert.Equal(23, Decide(t).Count(d => d));
        // One float step above: the row scoring exactly t is now rejected.
        Assert.Equal(22, Decide(MathF.BitIncrement(t)).Count(d => d));
        // A double a hair above t rounds to t: the documented float32 rule.
        Assert.Equal(23, Decide((double)t + 1e-12).Count(d => d));
        Assert.Equal(scores.Select(s => s >= -0.25f), Decide(-0.25));
    }

    [Fact]
    public void Without_a_threshold_only_the_score_is_written()
    {
        var ml = new MLContext(seed: 1);
        IDataView data = EmbeddingPair.Rows(ml, RandomPairs(4, 3, seed: 1), dimension: 3);

        var estimator = ml.Transforms.ScoreFacePairs(scoreColumnName: "Similarity");
        IDataView scored = estimator.Fit(data).Transform(data);

        Assert.NotNull(scored.Schema.GetColumnOrNull("Similarity"));
        Assert.Null(scored.Schema.GetColumnOrNull(FaceColumnNames.PredictedLabel));
        Assert.Null(estimator.Threshold);
        Assert.Null(estimator.DecisionExpression);
        Assert.DoesNotContain(scored.Schema, c => c.Name.StartsWith("KappaFace.", StringComparison.Ordinal));
    }

    [Fact]
    public void The_model_card_threshold_is_used_and_an_uncalibrated_card_is_refused()
    {
        var ml = new MLContext(seed: 1);
        var card = new ModelCard { LibraryVersion = "t", InputSize = 8, EmbeddingSize = 3 };
        IDataView data = EmbeddingPair.Rows(ml, RandomPairs(30, 3, seed: 2), dimension: 3);

        var calibrated = ml.Transforms.ScoreFacePairs(card.WithThreshold(0.2, 1e-3, "test"));
        IDataView scored = calibrated.Fit(data).Transform(data);

        Assert.Equal(0.2f, calibrated.Threshold);
        Assert.Equal(scored.GetColumn<float>(FaceColumnNames.Score).Select(s => s >= 0.2f), scored.GetColumn<bool>(FaceColumnNames.PredictedLabel));
        var error = Assert.Throws<InvalidOperationException>(() => ml.Transforms.ScoreFacePairs(card));
        Assert.Contains("verification.threshold", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_threshold_survives_Save_and_Load()
    {
        using var temp = new TempFolder();
        var ml = new MLContext(seed: 1);
        EmbeddingPair[] pairs = RandomPairs(30, dimension: 5, seed: 8);
        IDataView data = EmbeddingPair.Rows(ml, pairs, dimension: 5);
        float[] scores = [.. ml.Transforms.ScoreFacePairs().Fit(data).Transform(data).GetColumn<float>(FaceColumnNames.Score)];
        float t = scores.Order().ElementAt(11);
        ITransformer model = ml.Transforms.ScoreFacePairs(threshold: t).Fit(data);
        string zip = Path.Combine(temp.Path, "score.zip");
        ml.Model.Save(model, data.Schema, zip);

        IDataView reloaded = new MLContext(seed: 5).Model.Load(zip, out _).Transform(data);

        Assert.Equal(scores, reloaded.GetColumn<float>(FaceColumnNames.Score));
        Assert.Equal(scores.Select(s => s >= t), reloaded.GetColumn<bool>(FaceColumnNames.PredictedLabel));
        Assert.Equal(19, reloaded.GetColumn<bool>(FaceColumnNames.PredictedLabel).Count(d => d));
    }

    [Fact]
    public void BinaryClassification_EvaluateNonCalibrated_agrees_with_our_auc_and_accuracy()
    {
        var ml = new MLContext(seed: 1);
        EmbeddingPair[] pairs = RandomPairs(400, dimension: 16, seed: 12);
        IDataView data = EmbeddingPair.Rows(ml, pairs, dimension: 16);
        const float threshold = 0.3f;

        IDataView scored = ml.Transforms.ScoreFacePairs(threshold: threshold).Fit(data).Transform(data);
        BinaryClassificationMetrics theirs = ml.BinaryClassification.EvaluateNonCalibrated(scored);
        VerificationMetrics ours = ml.FaceRecognition().Evaluate(scored);

        float[] scores = [.. scored.GetColumn<float>(FaceColumnNames.Score)];
        _output.WriteLine($"AUC ML.NET {theirs.AreaUnderRocCurve:R}, ours {ours.Auc:R}; ML.NET accuracy {theirs.Accuracy:R}");
        Assert.InRange(ours.Auc, 0.6, 0.99);
        Assert.Equal(ours.Auc, theirs.AreaUnderRocCurve, 9);

        // ML.NET's threshold metrics ignore PredictedLabel and use Score > 0 (its evaluator's fixed
        // threshold); ours decide at the threshold. Both are checked naively so the difference stays known.
        double Accuracy(Func<float, bool> accept) => pairs.Zip(scores).Count(p => accept(p.Second) == p.First.Same) / (double)pairs.Length;
        Assert.Equal(Accuracy(s => s > 0), theirs.Accuracy, 9);
        Assert.Equal(Accuracy(s => s >= threshold), scored.GetColumn<bool>(FaceColumnNames.PredictedLabel).Zip(pairs).Count(p => p.First == p.Second.Same) / (double)pairs.Length, 9);
        Assert.NotEqual(Accuracy(s => s > 0), Accuracy(s => s >= threshold), 3);
    }

    [SkippableFact]
    public void Real_pairs_scored_in_a_pipeline_agree_with_EvaluateNonCalibrated()
    {
        string? celeba = SharedData.DataSet("celeba-dev");
        Skip.If(celeba is null, SharedData.MissingReason("celeba-dev"));
        using var temp = new TempFolder();
        string modelPath = ConvModel.Create(inputSize: 28, embeddingSize: 16, kernel: 4, filters: 12, seed: 3).Save(temp.Path);
        var ml = new MLContext(seed: 1);
        // The first set of the LFW-format pairs file: 300 same and 300 different pairs.
        FacePairsFile file = PairsFile.Read(Path.Combine(celeba, "pairs.txt"), celeba);
        IDataView pairs = ml.FaceRecognition().LoadPairs(file);
        pairs = ml.Data.TakeRows(pairs, 600);

        var pipeline = ml.Transforms.LoadImages(FaceColumnNames.ImageA, null, FaceColumnNames.ImagePathA)
            .Append(ml.Transforms.LoadImages(FaceColumnNames.ImageB, null, FaceColumnNames.ImagePathB))
            .Append(ml.Transforms.ApplyFaceEmbedding(FaceColumnNames.EmbeddingA, FaceColumnNames.ImageA, modelPath))
            .Append(ml.Transforms.ApplyFaceEmbedding(FaceColumnNames.EmbeddingB, FaceColumnNames.ImageB, modelPath))
            .Append(ml.Transforms.ScoreFacePairs(threshold: 0.9));
        IDataView scored = ml.Data.Cache(pipeline.Fit(pairs).Transform(pairs), FaceColumnNames.Label, FaceColumnNames.Score, FaceColumnNames.PredictedLabel);

        BinaryClassificationMetrics theirs = ml.BinaryClassification.EvaluateNonCalibrated(scored);
        VerificationMetrics ours = ml.FaceRecognition().Evaluate(scored);

        _output.WriteLine($"{ours.PairCount} real pairs: AUC ML.NET {theirs.AreaUnderRocCurve:R}, ours {ours.Auc:R}");
        Assert.Equal(600, ours.PairCount);
        Assert.Equal(300, ours.SameCount);
        Assert.Equal(ours.Auc, theirs.AreaUnderRocCurve, 9);
    }

    /// <summary>Same pairs: B = A + noise; different pairs: independent vectors. Labels alternate.</summary>
    internal static EmbeddingPair[] RandomPairs(int count, int dimension, int seed)
    {
        var rng = new Random(seed);
        float[] Vector() => [.. Enumerable.Range(0, dimension).Select(_ => (float)(rng.NextDouble() * 2 - 1))];
        return
        [
            .. Enumerable.Range(0, count).Select(i =>
            {
                float[] a = Vector();
                bool same = i % 2 == 0;
                float[] noise = Vector();
                float[] b = same ? [.. a.Zip(noise, (x, n) => x + (1.2f * n))] : Vector();
                return new EmbeddingPair(a, b, same);
            }),
        ];
    }
}

/// <summary>Two embeddings and the ground truth, as a row of Vector&lt;Single, D&gt; columns.</summary>
public sealed record EmbeddingPair(float[] A, float[] B, bool Same)
{
    public static IDataView Rows(MLContext ml, IEnumerable<EmbeddingPair> pairs, int dimension)
    {
        var schema = SchemaDefinition.Create(typeof(Row));
        schema[FaceColumnNames.EmbeddingA].ColumnType = new VectorDataViewType(NumberDataViewType.Single, dimension);
        schema[FaceColumnNames.EmbeddingB].ColumnType = new VectorDataViewType(NumberDataViewType.Single, dimension);
        return ml.Data.LoadFromEnumerable(pairs.Select(p => new Row { EmbeddingA = p.A, EmbeddingB = p.B, Label = p.Same }).ToList(), schema);
    }

    public sealed class Row
    {
        public float[] EmbeddingA { get; set; } = [];

        public float[] EmbeddingB { get; set; } = [];

        public bool Label { get; set; }
    }
}
