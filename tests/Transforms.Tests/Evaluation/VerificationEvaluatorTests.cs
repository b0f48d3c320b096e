using KappaFace.MLNet.Transforms.Evaluation;
using Xunit;

namespace KappaFace.MLNet.Transforms.Tests.Evaluation;

public class VerificationEvaluatorTests
{
    private const double Tolerance = 1e-12;

    [Fact]
    public void Known_answers_for_auc_eer_and_best_threshold()
    {
        // Same pairs score 0.9 0.8 0.6 0.4; different pairs 0.7 0.5 0.3 0.2.
        float[] scores = [0.9f, 0.8f, 0.6f, 0.4f, 0.7f, 0.5f, 0.3f, 0.2f];
        bool[] same = [true, true, true, true, false, false, false, false];

        VerificationMetrics m = new VerificationEvaluator { FoldCount = 2, TargetFars = [0.25, 0.5] }.Evaluate(scores, same);

        // AUC: same-over-different wins: 0.9 -> 4, 0.8 -> 4, 0.6 -> 3 (0.5 0.3 0.2), 0.4 -> 2 (0.3 0.2) = 13 of 16.
        Assert.Equal(13.0 / 16, m.Auc, Tolerance);
        // ROC from the top: (0,0) (0,.25) (0,.5) (.25,.5) (.25,.75) ... FAR = 1 - TAR = .25 exactly at threshold 0.6.
        Assert.Equal(0.25, m.Eer, Tolerance);
        // Correct decisions by threshold: above-max 4, .9 5, .8 6, .7 5, .6 6, .5 5, .4 6, .3 5, .2 4.
        // Best is 6 at .8, .6 and .4; ties go to the smallest, 0.4, with accuracy 6/8.
        Assert.Equal(0.4f, m.BestThreshold);
        Assert.Equal(0.75, m.BestThresholdAccuracy, Tolerance);
        // FAR <= .25 allows 1 false accept: threshold .6 accepts .9 .8 .6 (and .7): TAR 3/4.
        // FAR <= .5 allows 2: threshold .4 accepts all same pairs (and .7 .5): TAR 1.
        Assert.Equal(new TarAtFarPoint(0.25, 0.75, 0.6f), m.TarAtFar[0]);
        Assert.Equal(new TarAtFarPoint(0.5, 1.0, 0.4f), m.TarAtFar[1]);
        Assert.Equal(0.75, m.TarAt(0.25));
        Assert.Equal((8, 4, 4), (m.PairCount, m.SameCount, m.DifferentCount));
        Assert.Equal(9, m.Roc.Count);
        Assert.Equal(new RocPoint(0.6f, 0.25, 0.75), m.Roc[4]);
        Assert.Equal((1.0, 1.0), (m.Roc[^1].FalseAcceptRate, m.Roc[^1].TrueAcceptRate));
        Assert.Equal((0.0, 0.0), (m.Roc[0].FalseAcceptRate, m.Roc[0].TrueAcceptRate));
        Assert.True(m.Roc[0].Threshold > 0.9f);
    }

    [Fact]
    public void Tied_same_and_different_scores_count_one_half_in_the_auc()
    {
        // Same 0.5 0.5 0.8, different 0.5 0.2. Pairs: each 0.5 same vs 0.5 different is a tie (1/2) and beats
        // 0.2 (1): 1.5 each; 0.8 beats both: 2. AUC = (1.5 + 1.5 + 2) / 6 = 5/6.
        float[] scores = [0.5f, 0.5f, 0.8f, 0.5f, 0.2f];
        bool[] same = [true, true, true, false, false];

        VerificationMetrics m = new VerificationEvaluator { FoldCount = 2 }.Evaluate(scores, same);

        Assert.Equal(5.0 / 6, m.Auc, Tolerance);
    }

    [Fact]
    public void The_eer_is_interpolated_between_roc_points()
    {
        // Same 0.9 0.8 0.3, different 0.7 0.2. ROC: (0,0) (0,1/3) (0,2/3) (.5,2/3) (.5,1) (1,1).
        // FAR - FRR is -1/3 at (0,2/3) and +1/6 at (.5,2/3): it crosses 2/3 of the way along, at FAR = 1/3,
        // where FRR is also 1/3.
        float[] scores = [0.9f, 0.8f, 0.3f, 0.7f, 0.2f];
        bool[] same = [true, true, true, false, false];

        VerificationMetrics m = new VerificationEvaluator { FoldCount = 2 }.Evaluate(scores, same);

        Assert.Equal(1.0 / 3, m.Eer, Tolerance);
    }

    [Fact]
    public void Fold_accuracy_uses_the_threshold_chosen_on_the_other_folds()
    {
        // Fold 5: same .9 .6, different .3 .55. Fold 9: same .8 .5, different .4 .65.
        float[] scores = [0.9f, 0.3f, 0.6f, 0.55f, 0.8f, 0.4f, 0.5f, 0.65f];
        bool[] same = [true, false, true, false, true, false, true, false];
        int[] folds = [5, 5, 5, 5, 9, 9, 9, 9];

        VerificationMetrics m = new VerificationEvaluator().Evaluate(scores, same, folds);

        // Fold 5 held out, choose on fold 9: correct by threshold: above 2, .8 3, .65 2, .5 3, .4 2.
        // Tie .8/.5 -> .5. On fold 5: .9 yes, .3 no, .6 yes are right; .55 (different) is accepted: 3/4.
        // Fold 9 held out, choose on fold 5: above 2, .9 3, .6 4, .55 3, .3 2 -> .6.
        // On fold 9: .8 and .4 right; .5 (same) rejected and .65 (different) accepted: 2/4.
        Assert.Equal([0.5f, 0.6f], m.FoldThresholds);
        Assert.Equal([0.75, 0.5], m.FoldAccuracies);
        Assert.Equal(0.625, m.Accuracy, Tolerance);
        Assert.Equal(0.125, m.AccuracyStd, Tolerance); // population std of {.75, .5}
    }

    [Fact]
    public void Tar_at_far_needs_enough_different_pairs()
    {
        // Ten different pairs scoring 0.0 .. 0.9 and four same pairs.
        float[] scores = [.. Enumerable.Range(0, 10).Select(i => i / 10f), 0.95f, 0.85f, 0.55f, 0.05f];
        bool[] same = [.. Enumerable.Repeat(false, 10), .. Enumerable.Repeat(true, 4)];

        VerificationMetrics m = new VerificationEvaluator { FoldCount = 2, TargetFars = [0.1, 0.2, 0.01] }.Evaluate(scores, same);

        // FAR 0.1 of 10 allows one false accept (0.9): the lowest threshold within it is 0.85, accepting .95 .85.
        Assert.Equal(new TarAtFarPoint(0.1, 0.5, 0.85f), m.TarAtFar[0]);
        // FAR 0.2 allows 0.9 and 0.8: threshold 0.8, still two same pairs.
        Assert.Equal(new TarAtFarPoint(0.2, 0.5, 0.8f), m.TarAtFar[1]);
        // 10 different pairs cannot measure FAR 0.01.
        Assert.Equal(new TarAtFarPoint(0.01, null, null), m.TarAtFar[2]);
        Assert.Null(m.TarAt(0.01));
        Assert.Null(m.TarAt(0.5));
    }

    [Fact]
    public void Default_target_fars_are_reported_where_measurable()
    {
        var random = new Random(4);
        int n = 2400;
        bool[] same = [.. Enumerable.Range(0, n).Select(i => i % 2 == 0)];
        float[] scores = [.. same.Select(s => (float)(random.NextDouble() + (s ? 0.5 : 0)))];

        VerificationMetrics m = new VerificationEvaluator().Evaluate(scores, same);

        Assert.Equal([0.1, 0.01, 0.001, 0.0001], m.TarAtFar.Select(p => p.Far));
        Assert.NotNull(m.TarAt(0.1));
        Assert.NotNull(m.TarAt(0.001)); // 1200 different pairs
        Assert.Null(m.TarAt(0.0001));
        Assert.Equal(10, m.FoldAccuracies.Count);
    }

    [Fact]
    public void Separable_scores_give_perfect_metrics()
    {
        // Two score values only, so every training split picks 0.8 (the smallest perfect threshold)
        // and every held-out fold is classified without error.
        float[] scores = [.. Enumerable.Range(0, 40).Select(i => i < 20 ? 0.8f : 0.2f)];
        bool[] same = [.. Enumerable.Range(0, 40).Select(i => i < 20)];

        VerificationMetrics m = new VerificationEvaluator().Evaluate(scores, same);

        Assert.Equal(1.0, m.Accuracy);
        Assert.Equal(0.0, m.AccuracyStd);
        Assert.Equal(1.0, m.Auc);
        Assert.Equal(0.0, m.Eer);
        Assert.Equal(0.8f, m.BestThreshold);
        Assert.All(m.FoldThresholds, t => Assert.Equal(0.8f, t));
    }

    [Fact]
    public void Ties_between_thresholds_go_to_the_smallest_so_a_held_out_score_below_every_training_score_can_fail()
    {
        // Separable, but the lowest same-pair score (0.60) is alone in its fold. Chosen on the other folds,
        // the threshold is the smallest perfect one there: the lowest remaining same score, 0.61.
        float[] scores = [0.60f, 0.61f, 0.62f, 0.63f, 0.10f, 0.11f, 0.12f, 0.13f];
        bool[] same = [true, true, true, true, false, false, false, false];
        int[] folds = [0, 1, 2, 3, 0, 1, 2, 3];

        VerificationMetrics m = new VerificationEvaluator().Evaluate(scores, same, folds);

        Assert.Equal([0.61f, 0.60f, 0.60f, 0.60f], m.FoldThresholds);
        Assert.Equal([0.5, 1.0, 1.0, 1.0], m.FoldAccuracies);
        Assert.Equal(0.60f, m.BestThreshold);
        Assert.Equal(1.0, m.BestThresholdAccuracy);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Auc_equals_a_naive_count_over_all_same_different_pairs_on_random_data(int seed)
    {
        var random = new Random(seed);
        int n = 301;
        bool[] same = [.. Enumerable.Range(0, n).Select(_ => random.NextDouble() < 0.4)];
        // Rounding to 2 decimals makes many ties.
        float[] scores = [.. same.Select(s => MathF.Round((float)(random.NextDouble() + (s ? 0.3 : 0)), 2))];

        double wins = 0;
        long comparisons = 0;
        for (int p = 0; p < n; p++)
        {
            for (int q = 0; q < n; q++)
            {
                if (same[p] && !same[q])
                {
                    comparisons++;
                    wins += scores[p] > scores[q] ? 1 : scores[p] == scores[q] ? 0.5 : 0;
                }
            }
        }

        VerificationMetrics m = new VerificationEvaluator { Seed = seed }.Evaluate(scores, same);

        Assert.Equal(wins / comparisons, m.Auc, 1e-12);
    }

    [Theory]
    [InlineData(5)]
    [InlineData(6)]
    public void Fold_accuracy_equals_a_naive_search_over_thresholds(int seed)
    {
        var random = new Random(seed);
        int n = 200;
        bool[] same = [.. Enumerable.Range(0, n).Select(_ => random.NextDouble() < 0.5)];
        float[] scores = [.. same.Select(s => MathF.Round((float)(random.NextDouble() + (s ? 0.4 : 0)), 2))];
        int[] folds = [.. Enumerable.Range(0, n).Select(_ => random.Next(4))];

        VerificationMetrics m = new VerificationEvaluator().Evaluate(scores, same, folds);

        for (int f = 0; f < 4; f++)
        {
            int[] train = [.. Enumerable.Range(0, n).Where(i => folds[i] != f)];
            int[] test = [.. Enumerable.Range(0, n).Where(i => folds[i] == f)];
            // Every distinct training score, tried from the smallest up; a later one must be strictly better.
            float best = float.NaN;
            int bestCorrect = -1;
            foreach (float t in train.Select(i => scores[i]).Distinct().Order())
            {
                int correct = train.Count(i => (scores[i] >= t) == same[i]);
                if (correct > bestCorrect)
                {
                    (best, bestCorrect) = (t, correct);
                }
            }

            if (train.Count(i => !same[i]) > bestCorrect)
            {
                best = float.PositiveInfinity; // rejecting everything beats every score threshold
            }

            double accuracy = (double)test.Count(i => (scores[i] >= best) == same[i]) / test.Length;
            Assert.Equal(accuracy, m.FoldAccuracies[f], Tolerance);
            if (!float.IsPositiveInfinity(best))
            {
                Assert.Equal(best, m.FoldThresholds[f]);
            }
        }
    }

    [Fact]
    public void Bad_input_is_rejected_with_the_problem_named()
    {
        var evaluator = new VerificationEvaluator { FoldCount = 2 };

        Assert.Contains("All 3 pairs are same-identity", Reject(() => evaluator.Evaluate([0.1f, 0.2f, 0.3f], [true, true, true])), StringComparison.Ordinal);
        Assert.Contains("All 2 pairs are different-identity", Reject(() => evaluator.Evaluate([0.1f, 0.2f], [false, false])), StringComparison.Ordinal);
        Assert.Contains("Score 1 is NaN", Reject(() => evaluator.Evaluate([0.1f, float.NaN], [true, false])), StringComparison.Ordinal);
        Assert.Contains("Score 0 is Infinity", Reject(() => evaluator.Evaluate([float.PositiveInfinity, 0.2f], [true, false])), StringComparison.Ordinal);
        Assert.Contains("2 scores were given for 3 labels", Reject(() => evaluator.Evaluate([0.1f, 0.2f], [true, false, true])), StringComparison.Ordinal);
        Assert.Contains("No pairs", Reject(() => evaluator.Evaluate([], [])), StringComparison.Ordinal);
        Assert.Contains("cannot fill 10 folds", Reject(() => new VerificationEvaluator().Evaluate([0.1f, 0.2f], [true, false])), StringComparison.Ordinal);
        Assert.Contains("at least two folds", Reject(() => evaluator.Evaluate([0.1f, 0.2f], [true, false], [3, 3])), StringComparison.Ordinal);
        Assert.Contains("1 fold ids were given for 2 pairs", Reject(() => evaluator.Evaluate([0.1f, 0.2f], [true, false], [3])), StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => new VerificationEvaluator { FoldCount = 1 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new VerificationEvaluator { TargetFars = [0.0] }.Evaluate([0.1f, 0.2f], [true, false]));
    }

    private static string Reject(Func<VerificationMetrics> evaluate) => Assert.Throws<ArgumentException>(() => evaluate()).Message;
}
