using KappaFace.MLNet.Transforms.Evaluation;
using Microsoft.ML;
using Microsoft.ML.Data;
using Xunit;

namespace KappaFace.MLNet.Transforms.Tests.Evaluation;

/// <summary>mlContext.FaceRecognition().Evaluate on hand-made scored pairs with known answers.</summary>
public class EvaluationCatalogTests
{
    private const double Tolerance = 1e-12;

    [Fact]
    public void Known_answers_through_an_IDataView()
    {
        // Same pairs score 0.9 0.8 0.6 0.4; different pairs 0.7 0.5 0.3 0.2 (see VerificationEvaluatorTests).
        var ml = new MLContext(seed: 1);
        IDataView data = ScoredRows.Create(ml, [0.9f, 0.8f, 0.6f, 0.4f, 0.7f, 0.5f, 0.3f, 0.2f], [true, true, true, true, false, false, false, false]);

        VerificationMetrics m = ml.FaceRecognition().Evaluate(data, foldCount: 2);

        Assert.Equal(13.0 / 16, m.Auc, Tolerance);
        Assert.Equal(0.25, m.Eer, Tolerance);
        Assert.Equal(0.4f, m.BestThreshold);
        Assert.Equal(0.75, m.BestThresholdAccuracy, Tolerance);
        Assert.Equal((8, 4, 4), (m.PairCount, m.SameCount, m.DifferentCount));
        Assert.Equal(2, m.FoldAccuracies.Count);
        Assert.Equal([1e-1, 1e-2, 1e-3, 1e-4], m.TarAtFar.Select(p => p.Far));
        // 4 different pairs cannot measure FAR 0.1 or below.
        Assert.All(m.TarAtFar, p => Assert.Null(p.Tar));
    }

    [Fact]
    public void The_fold_column_gives_the_folds()
    {
        // Fold 5: same .9 .6, different .3 .55. Fold 9: same .8 .5, different .4 .65.
        // Hand-worked in VerificationEvaluatorTests: fold 5 is judged at .5 (3/4), fold 9 at .6 (2/4).
        var ml = new MLContext(seed: 1);
        IDataView data = ScoredRows.Create(
            ml, [0.9f, 0.3f, 0.6f, 0.55f, 0.8f, 0.4f, 0.5f, 0.65f], [true, false, true, false, true, false, true, false], folds: [5, 5, 5, 5, 9, 9, 9, 9]);

        VerificationMetrics m = ml.FaceRecognition().Evaluate(data, foldColumnName: "Fold");

        Assert.Equal([0.75, 0.5], m.FoldAccuracies);
        Assert.Equal([0.5f, 0.6f], m.FoldThresholds);
        Assert.Equal(0.625, m.Accuracy, Tolerance);
        Assert.Equal(0.125, m.AccuracyStd, Tolerance);
    }

    [Fact]
    public void Key_typed_folds_and_double_scores_are_accepted()
    {
        var ml = new MLContext(seed: 1);
        float[] scores = [0.9f, 0.3f, 0.6f, 0.55f, 0.8f, 0.4f, 0.5f, 0.65f];
        bool[] same = [true, false, true, false, true, false, true, false];
        IDataView data = ScoredRows.Create(ml, scores, same, folds: [1, 1, 1, 1, 2, 2, 2, 2], foldAsKey: true, scoreAsDouble: true);

        VerificationMetrics m = ml.FaceRecognition().Evaluate(data, foldColumnName: "Fold");

        Assert.Equal([0.75, 0.5], m.FoldAccuracies);
    }

    [Fact]
    public void Tar_at_far_agrees_with_a_naive_recomputation()
    {
        var rng = new Random(21);
        const int positives = 1500;
        const int negatives = 2500;
        float[] scores = [.. Enumerable.Range(0, positives + negatives).Select(i => (float)Math.Round(((i < positives ? 0.35 : 0) + rng.NextDouble()) * 500) / 500)];
        bool[] same = [.. Enumerable.Range(0, positives + negatives).Select(i => i < positives)];
        var ml = new MLContext(seed: 1);

        VerificationMetrics m = ml.FaceRecognition().Evaluate(ScoredRows.Create(ml, scores, same));

        foreach (double far in new[] { 1e-1, 1e-2, 1e-3 })
        {
            // Every distinct score as a threshold (plus one above all); the best TAR whose FAR fits.
            double bestTar = 0;
            foreach (float t in scores.Distinct().Append(float.MaxValue))
            {
                double falseAccepts = scores.Zip(same).Count(p => !p.Second && p.First >= t);
                if (falseAccepts / negatives <= far)
                {
                    bestTar = Math.Max(bestTar, scores.Zip(same).Count(p => p.Second && p.First >= t) / (double)positives);
                }
            }

            Assert.Equal(bestTar, m.TarAt(far)!.Value, Tolerance);
        }

        // 2500 different pairs cannot measure a FAR of 1e-4.
        Assert.Null(m.TarAt(1e-4));
        Assert.InRange(m.TarAt(1e-1)!.Value, 0.3, 0.9);
    }

    [Fact]
    public void All_same_labels_are_rejected_with_a_clear_error()
    {
        var ml = new MLContext(seed: 1);
        IDataView allSame = ScoredRows.Create(ml, [0.9f, 0.8f, 0.1f], [true, true, true]);
        IDataView allDifferent = ScoredRows.Create(ml, [0.9f, 0.8f, 0.1f], [false, false, false]);

        var error = Assert.Throws<ArgumentException>(() => ml.FaceRecognition().Evaluate(allSame, foldCount: 2));
        Assert.Contains("All 3 pairs are same-identity", error.Message, StringComparison.Ordinal);
        Assert.Contains("label column 'Label'", error.Message, StringComparison.Ordinal);
        error = Assert.Throws<ArgumentException>(() => ml.FaceRecognition().CalibrateThreshold(allDifferent, 0.5));
        Assert.Contains("All 3 pairs are different-identity", error.Message, StringComparison.Ordinal);
        error = Assert.Throws<ArgumentException>(() => ml.FaceRecognition().CalibrateThresholdForAccuracy(allSame));
        Assert.Contains("verification needs both same and different pairs", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Non_finite_scores_and_single_folds_are_rejected()
    {
        var ml = new MLContext(seed: 1);
        IDataView nan = ScoredRows.Create(ml, [0.9f, float.NaN, 0.1f, 0.2f], [true, true, false, false]);
        IDataView oneFold = ScoredRows.Create(ml, [0.9f, 0.5f, 0.1f, 0.2f], [true, true, false, false], folds: [3, 3, 3, 3]);

        Assert.Contains("NaN", Assert.Throws<ArgumentException>(() => ml.FaceRecognition().Evaluate(nan, foldCount: 2)).Message, StringComparison.Ordinal);
        Assert.Contains("at least two folds", Assert.Throws<ArgumentException>(() => ml.FaceRecognition().Evaluate(oneFold, foldColumnName: "Fold")).Message, StringComparison.Ordinal);
    }
}

/// <summary>Scored pairs as an IDataView: Label (bool), Score (float or double), optionally Fold (int or key).</summary>
internal static class ScoredRows
{
    public static IDataView Create(MLContext ml, float[] scores, bool[] same, int[]? folds = null, bool foldAsKey = false, bool scoreAsDouble = false)
    {
        if (scoreAsDouble)
        {
            var rows = scores.Select((s, i) => new DoubleRow { Label = same[i], Score = s, Fold = (uint)(folds?[i] ?? 0) }).ToList();
            SchemaDefinition schema = SchemaDefinition.Create(typeof(DoubleRow));
            if (foldAsKey)
            {
                schema["Fold"].ColumnType = new KeyDataViewType(typeof(uint), (folds?.Max() ?? 0) + 1);
            }

            return ml.Data.LoadFromEnumerable(rows, schema);
        }

        if (folds is null)
        {
            return ml.Data.LoadFromEnumerable(scores.Select((s, i) => new Row { Label = same[i], Score = s }).ToList());
        }

        return ml.Data.LoadFromEnumerable(scores.Select((s, i) => new FoldRow { Label = same[i], Score = s, Fold = folds[i] }).ToList());
    }

    public sealed class Row
    {
        public bool Label { get; set; }

        public float Score { get; set; }
    }

    public sealed class FoldRow
    {
        public bool Label { get; set; }

        public float Score { get; set; }

        public int Fold { get; set; }
    }

    public sealed class DoubleRow
    {
        public bool Label { get; set; }

        public double Score { get; set; }

        public uint Fold { get; set; }
    }
}
