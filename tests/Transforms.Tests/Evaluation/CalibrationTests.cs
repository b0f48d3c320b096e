using KappaFace.MLNet.Onnx;
using KappaFace.MLNet.Onnx.Proto;
using KappaFace.MLNet.Tests.Shared;
using KappaFace.MLNet.Transforms.Evaluation;
using KappaFace.MLNet.Transforms.Scoring;
using KappaFace.MLNet.Transforms.Tests.Scoring;
using KappaFace.MLNet.Transforms.Tests.Support;
using Microsoft.ML;
using Microsoft.ML.Data;
using Xunit;

namespace KappaFace.MLNet.Transforms.Tests.Evaluation;

public class CalibrationTests
{
    private const double Tolerance = 1e-12;
    private static readonly float[] KnownScores = [0.9f, 0.8f, 0.6f, 0.4f, 0.7f, 0.5f, 0.3f, 0.2f];
    private static readonly bool[] KnownSame = [true, true, true, true, false, false, false, false];

    [Fact]
    public void Known_answers_for_a_target_far_and_for_best_accuracy()
    {
        var ml = new MLContext(seed: 1);
        IDataView data = ScoredRows.Create(ml, KnownScores, KnownSame);

        // FAR <= .25 allows one of the 4 different pairs (0.7): the smallest such threshold is 0.6,
        // which accepts .9 .8 .6 (and .7): TAR 3/4, accuracy (3 + 3) / 8.
        ThresholdCalibration far = ml.FaceRecognition().CalibrateThreshold(data, targetFar: 0.25);
        Assert.Equal(0.6f, far.Threshold);
        Assert.Equal(0.25, far.TargetFar);
        Assert.Equal(0.25, far.FalseAcceptRate, Tolerance);
        Assert.Equal(0.75, far.TrueAcceptRate, Tolerance);
        Assert.Equal(0.75, far.Accuracy, Tolerance);
        Assert.Equal((8, 4, 4), (far.PairCount, far.SameCount, far.DifferentCount));
        Assert.Equal("far=0.25 on 8 pairs", far.Source);

        // Best accuracy: 6 of 8 at .8, .6 and .4; ties go to the smallest.
        ThresholdCalibration best = ml.FaceRecognition().CalibrateThresholdForAccuracy(data);
        Assert.Equal(0.4f, best.Threshold);
        Assert.Null(best.TargetFar);
        Assert.Equal(0.75, best.Accuracy, Tolerance);
        Assert.Equal(0.5, best.FalseAcceptRate, Tolerance);
        Assert.Equal("best-accuracy on 8 pairs", best.Source);
    }

    [Fact]
    public void The_far_threshold_is_the_smallest_within_budget_recomputed_naively()
    {
        var rng = new Random(5);
        float[] scores = [.. Enumerable.Range(0, 3000).Select(i => (float)(((i % 3 == 0) ? 0.3 : 0) + (rng.NextDouble() * 0.8) - 0.2))];
        bool[] same = [.. Enumerable.Range(0, 3000).Select(i => i % 3 == 0)];
        int negatives = same.Count(s => !s);
        var ml = new MLContext(seed: 1);

        foreach (double target in new[] { 1e-1, 1e-2, 1e-3 })
        {
            ThresholdCalibration c = ml.FaceRecognition().CalibrateThreshold(ScoredRows.Create(ml, scores, same), target);

            double Far(float t) => scores.Zip(same).Count(p => !p.Second && p.First >= t) / (double)negatives;
            Assert.True(Far(c.Threshold) <= target, $"FAR {Far(c.Threshold)} at {c.Threshold} exceeds {target}");
            // The next candidate below (the largest score under the threshold) breaks the budget.
            float next = scores.Where(s => s < c.Threshold).Max();
            Assert.True(Far(next) > target, $"{next} also fits FAR {target}: the threshold is not the smallest");
            Assert.Equal(Far(c.Threshold), c.FalseAcceptRate, Tolerance);
            Assert.Equal(scores.Zip(same).Count(p => p.Second && p.First >= c.Threshold) / 1000.0, c.TrueAcceptRate, Tolerance);
            Assert.Equal(ml.FaceRecognition().Evaluate(ScoredRows.Create(ml, scores, same)).TarAtFar.Single(p => p.Far == target).Threshold, c.Threshold);
        }
    }

    [Fact]
    public void Too_few_different_pairs_or_a_bad_far_are_refused()
    {
        var ml = new MLContext(seed: 1);
        IDataView data = ScoredRows.Create(ml, KnownScores, KnownSame);

        var error = Assert.Throws<ArgumentException>(() => ml.FaceRecognition().CalibrateThreshold(data, targetFar: 1e-3));
        Assert.Contains("needs at least 1000 different-identity pairs; the data has 4", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => ml.FaceRecognition().CalibrateThreshold(data, targetFar: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ml.FaceRecognition().CalibrateThreshold(data, targetFar: 1.5));
    }

    [Fact]
    public void The_threshold_is_written_into_a_new_model_and_ScoreFacePairs_reproduces_its_far()
    {
        using var temp = new TempFolder();
        var ml = new MLContext(seed: 1);
        var model = ConvModel.Create(inputSize: 16, embeddingSize: 8);
        string source = model.Save(temp.Path, "uncalibrated.onnx");
        EmbeddingPair[] pairs = ScoreFacePairsTests.RandomPairs(3000, dimension: 8, seed: 31);
        IDataView data = EmbeddingPair.Rows(ml, pairs, dimension: 8);
        IDataView scored = ml.Transforms.ScoreFacePairs().Fit(data).Transform(data);

        ThresholdCalibration calibration = ml.FaceRecognition().CalibrateThreshold(scored, targetFar: 1e-2);
        string calibrated = Path.Combine(temp.Path, "out", "calibrated.onnx");
        ModelCard written = calibration.WriteToModel(source, calibrated);

        ModelCard card = ModelCard.ReadFrom(calibrated);
        Assert.Equal(written, card);
        Assert.Equal((double)calibration.Threshold, card.VerificationThreshold);
        Assert.Equal(1e-2, card.VerificationFar);
        Assert.Equal("far=0.01 on 3000 pairs", card.VerificationSource);
        Assert.Equal(model.Card() with { VerificationThreshold = card.VerificationThreshold, VerificationFar = 1e-2, VerificationSource = card.VerificationSource }, card);
        // The source is untouched and the graph (weights included) is copied as is.
        Assert.Null(ModelCard.ReadFrom(source).VerificationThreshold);
        Assert.Equal(OnnxModelFile.Load(source).Graph, OnnxModelFile.Load(calibrated).Graph);

        // Deciding with the card on the same pairs accepts exactly the calibrated share of different pairs.
        FacePairScoringEstimator scoring = ml.Transforms.ScoreFacePairs(card);
        bool[] decisions = [.. scoring.Fit(data).Transform(data).GetColumn<bool>(FaceColumnNames.PredictedLabel)];
        int negatives = pairs.Count(p => !p.Same);
        Assert.Equal(calibration.FalseAcceptRate, decisions.Zip(pairs).Count(d => d.First && !d.Second.Same) / (double)negatives, Tolerance);
        Assert.Equal(calibration.TrueAcceptRate, decisions.Zip(pairs).Count(d => d.First && d.Second.Same) / (double)(pairs.Length - negatives), Tolerance);
        Assert.InRange(calibration.FalseAcceptRate, 0.005, 0.01);
    }

    [Fact]
    public void A_best_accuracy_threshold_is_written_without_a_far()
    {
        using var temp = new TempFolder();
        var ml = new MLContext(seed: 1);
        string source = ConvModel.Create(inputSize: 16, embeddingSize: 4).Save(temp.Path);
        ThresholdCalibration calibration = ml.FaceRecognition().CalibrateThresholdForAccuracy(ScoredRows.Create(ml, KnownScores, KnownSame));

        ModelProto proto = OnnxModelFile.Load(source);
        ModelCard card = calibration.WriteTo(proto);

        Assert.Equal((double)0.4f, card.VerificationThreshold);
        Assert.Null(card.VerificationFar);
        Assert.Equal("best-accuracy on 8 pairs", card.VerificationSource);
        Assert.Equal(card, ModelCard.ReadFrom(proto));
    }
}
