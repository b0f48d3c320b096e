using KappaFace.MLNet.Trainer.Concentration;
using KappaFace.MLNet.Trainer.Heads;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace KappaFace.MLNet.Trainer.Tests.Heads;

/// <summary>
/// Loss and gradients of the head (TorchSharp autograd, float64) against <see cref="NaiveMarginSoftmax"/>
/// (plain loops), in the style of pytorch-metric-learning's tests.
/// </summary>
public class MarginSoftmaxHeadTests
{
    private const int Batch = 7;
    private const int Classes = 5;
    private const int Dim = 4;
    private const double Tight = 1e-9;

    private static readonly int[] LabelIds = { 0, 1, 2, 3, 4, 1, 3 };

    private sealed record Problem(double[][] X, double[][] W, int[] Labels);

    private sealed record HeadResult(double Loss, double[][] Logits, double[][] GradX, double[][] GradW);

    /// <summary>
    /// Random unit features and unnormalised centres; sample 0 points almost opposite its centre, so that
    /// theta + m &gt; pi for any margin above ~0.15 and the fallback branch is exercised.
    /// </summary>
    private static Problem MakeProblem(int seed = 1234)
    {
        var random = new Random(seed);
        var w = TestData.Gaussian(random, Classes, Dim);
        var x = TestData.UnitRows(random, Batch, Dim);
        var opposite = TestData.Normalised(w[LabelIds[0]]).Select(v => -v).ToArray();
        var noise = TestData.Gaussian(random, 1, Dim, 0.05)[0];
        x[0] = TestData.Normalised(opposite.Select((v, d) => v + noise[d]).ToArray());
        Assert.True(NaiveMarginSoftmax.Cosines(x, w)[0][LabelIds[0]] < Math.Cos(Math.PI - 0.3), "sample 0 must lie in the fallback region");
        return new Problem(x, w, (int[])LabelIds.Clone());
    }

    private static HeadResult RunHead(IMarginPolicy policy, double scale, Problem problem)
    {
        using var scope = torch.NewDisposeScope();
        using var head = new MarginSoftmaxHead(Classes, Dim, scale, policy, ScalarType.Float64);
        using (torch.no_grad())
        {
            head.Centres.copy_(TestData.ToTensor(problem.W));
        }

        var x = TestData.ToTensor(problem.X).requires_grad_(true);
        var labels = TestData.Labels(problem.Labels.Select(l => (long)l).ToArray());
        var logits = TestData.ToRows(head.Logits(x, labels));
        var loss = head.call(x, labels);
        Assert.Equal(ScalarType.Float64, loss.dtype);
        loss.backward();
        return new HeadResult(loss.item<double>(), logits, TestData.ToRows(x.grad!), TestData.ToRows(head.Centres.grad!));
    }

    private static void AssertMatchesNaive(NaiveMarginSoftmax naive, HeadResult actual, Problem problem, double[] marginPerSample)
    {
        var expectedLoss = naive.Loss(problem.X, problem.W, problem.Labels, marginPerSample);
        var (gradX, gradW) = naive.Gradient(problem.X, problem.W, problem.Labels, marginPerSample);
        Close.Equal(expectedLoss, actual.Loss, Tight * Math.Max(1, Math.Abs(expectedLoss)), "loss");
        Close.Rows(naive.Logits(problem.X, problem.W, problem.Labels, marginPerSample), actual.Logits, Tight * naive.Scale, "logits");
        Close.RowsRelative(gradX, actual.GradX, Tight, "dL/dx");
        Close.RowsRelative(gradW, actual.GradW, Tight, "dL/dW");
    }

    private static double[] Uniform(double m) => Enumerable.Repeat(m, Batch).ToArray();

    [Theory]
    [InlineData(NaiveMargin.Angular, false)]
    [InlineData(NaiveMargin.Angular, true)]
    [InlineData(NaiveMargin.Cosine, false)]
    public void Naive_analytic_gradient_agrees_with_finite_differences(NaiveMargin kind, bool fallback)
    {
        // Validates the oracle itself before the head is compared with it.
        var problem = MakeProblem();
        var naive = new NaiveMarginSoftmax { Kind = kind, Scale = 16, Fallback = fallback };
        var margins = new[] { 0.5, 0.3, 0.7, 0.45, 0.6, 0.3, 0.45 };
        var (gradX, gradW) = naive.Gradient(problem.X, problem.W, problem.Labels, margins);
        var (fdX, fdW) = naive.FiniteDifferenceGradient(problem.X, problem.W, problem.Labels, margins);
        Close.RowsRelative(fdX, gradX, 1e-6, "dL/dx");
        Close.RowsRelative(fdW, gradW, 1e-6, "dL/dW");
    }

    [Theory]
    [InlineData(0.5, 64.0, false, false)]
    [InlineData(0.5, 8.0, false, false)]
    [InlineData(0.5, 8.0, true, false)]
    [InlineData(0.5, 8.0, false, true)]
    [InlineData(0.3, 64.0, true, true)]
    public void ArcFace_loss_and_gradients_match_naive(double margin, double scale, bool fallback, bool detach)
    {
        var problem = MakeProblem();
        var actual = RunHead(new ArcFaceMargin(margin, 1e-7, fallback, detach), scale, problem);
        var naive = new NaiveMarginSoftmax { Kind = NaiveMargin.Angular, Scale = scale, Fallback = fallback, Detach = detach };
        AssertMatchesNaive(naive, actual, problem, Uniform(margin));
    }

    [Theory]
    [InlineData(0.35, 64.0)]
    [InlineData(0.35, 8.0)]
    [InlineData(0.1, 30.0)]
    public void CosFace_loss_and_gradients_match_naive(double margin, double scale)
    {
        var problem = MakeProblem();
        var actual = RunHead(new CosFaceMargin(margin), scale, problem);
        var naive = new NaiveMarginSoftmax { Kind = NaiveMargin.Cosine, Scale = scale };
        AssertMatchesNaive(naive, actual, problem, Uniform(margin));
    }

    [Theory]
    [InlineData(64.0, false, false)]
    [InlineData(8.0, false, false)]
    [InlineData(8.0, true, false)]
    [InlineData(8.0, false, true)]
    public void KappaFace_with_nonuniform_psi_matches_naive_per_class_margins(double scale, bool fallback, bool detach)
    {
        var problem = MakeProblem();
        using var state = NonUniformState();
        var margins = state.Margins;
        Assert.True(margins.Max() - margins.Min() > 0.05, "the margins should differ between classes");
        var actual = RunHead(new KappaFaceMargin(state, 1e-7, fallback, detach), scale, problem);
        var naive = new NaiveMarginSoftmax { Kind = NaiveMargin.Angular, Scale = scale, Fallback = fallback, Detach = detach };
        AssertMatchesNaive(naive, actual, problem, problem.Labels.Select(l => margins[l]).ToArray());
    }

    [Fact]
    public void Detached_margin_gives_the_plain_softmax_gradient_and_the_same_loss()
    {
        var problem = MakeProblem();
        var trueGradient = RunHead(new ArcFaceMargin(0.5), 8, problem);
        var detached = RunHead(new ArcFaceMargin(0.5, detachMarginGradient: true), 8, problem);
        Close.Equal(trueGradient.Loss, detached.Loss, 1e-12, "loss");

        // Plain softmax gradient: dL/dcos_ij = s (p_ij - onehot_ij) / B at the margin-shifted probabilities.
        var plain = new NaiveMarginSoftmax { Kind = NaiveMargin.Angular, Scale = 8, Detach = true };
        var (gradX, _) = plain.Gradient(problem.X, problem.W, problem.Labels, Uniform(0.5));
        Close.Rows(gradX, detached.GradX, Tight, "dL/dx");
        var largestDifference = trueGradient.GradX.Zip(detached.GradX)
            .SelectMany(p => p.First.Zip(p.Second, (a, b) => Math.Abs(a - b))).Max();
        Assert.True(largestDifference > 1e-3, $"detaching should change the gradient (max diff {largestDifference:E2})");
    }

    [Fact]
    public void KappaFace_with_psi_one_equals_ArcFace_with_m0()
    {
        var problem = MakeProblem();
        using var state = new KappaFaceState(new long[] { 3, 5, 8, 2, 9 }, Dim, new MarginOptions { Margin = 0.8 });
        Assert.All(state.Psi, p => Assert.Equal(1.0, p));
        var kappa = RunHead(new KappaFaceMargin(state), 64, problem);
        var arc = RunHead(new ArcFaceMargin(0.8), 64, problem);
        Close.Equal(arc.Loss, kappa.Loss, 1e-12, "loss");
        Close.Rows(arc.Logits, kappa.Logits, 1e-12, "logits");
        Close.Rows(arc.GradX, kappa.GradX, 1e-12, "dL/dx");
        Close.Rows(arc.GradW, kappa.GradW, 1e-12, "dL/dW");
    }

    [Fact]
    public void Only_the_target_column_carries_the_margin()
    {
        var problem = MakeProblem();
        var result = RunHead(new ArcFaceMargin(0.5), 64, problem);
        var cos = NaiveMarginSoftmax.Cosines(problem.X, problem.W);
        for (var i = 0; i < Batch; i++)
        {
            for (var j = 0; j < Classes; j++)
            {
                var expected = j == problem.Labels[i] ? 64 * Math.Cos(Math.Acos(cos[i][j]) + 0.5) : 64 * cos[i][j];
                Close.Equal(expected, result.Logits[i][j], 1e-10, $"logit[{i},{j}]");
            }
        }
    }

    [Fact]
    public void Float32_head_follows_the_float64_computation()
    {
        var problem = MakeProblem();
        using var scope = torch.NewDisposeScope();
        using var head = new MarginSoftmaxHead(Classes, Dim, 64, new ArcFaceMargin(0.5));
        Assert.Equal(ScalarType.Float32, head.Centres.dtype);
        using (torch.no_grad())
        {
            head.Centres.copy_(TestData.ToTensor(problem.W, ScalarType.Float32));
        }

        var loss = head.call(TestData.ToTensor(problem.X, ScalarType.Float32), TestData.Labels(LabelIds.Select(l => (long)l).ToArray()));
        Assert.Equal(ScalarType.Float32, loss.dtype);
        var expected = new NaiveMarginSoftmax { Kind = NaiveMargin.Angular, Scale = 64 }.Loss(problem.X, problem.W, problem.Labels, Uniform(0.5));
        Close.Equal(expected, loss.item<float>(), 1e-4 * Math.Max(1, expected), "float32 loss");
    }

    [Fact]
    public void Invalid_inputs_are_rejected()
    {
        using var scope = torch.NewDisposeScope();
        using var head = new MarginSoftmaxHead(Classes, Dim, 64, new ArcFaceMargin(0.5));
        var x = torch.randn(3, Dim);
        Assert.Throws<ArgumentException>(() => head.call(x, torch.tensor(new[] { 0, 1, 2 })));
        Assert.Throws<ArgumentException>(() => head.call(torch.randn(3, Dim + 1), TestData.Labels(0, 1, 2)));
        Assert.Throws<ArgumentException>(() => head.call(x, TestData.Labels(0, 1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MarginSoftmaxHead(Classes, Dim, 0, new ArcFaceMargin(0.5)));
    }

    /// <summary>A state whose margins differ by class: tight populous classes next to rare spread ones.</summary>
    internal static KappaFaceState NonUniformState()
    {
        var counts = new long[] { 40, 3, 25, 2, 12 };
        var state = new KappaFaceState(counts, Dim, new MarginOptions());
        var random = new Random(7);
        using var scope = torch.NewDisposeScope();
        for (var c = 0; c < counts.Length; c++)
        {
            var centre = TestData.UnitRows(random, 1, Dim)[0];
            var spread = c % 2 == 0 ? 0.1 : 2.0;
            var vectors = TestData.Gaussian(random, (int)counts[c], Dim, spread)
                .Select(v => TestData.Normalised(v.Select((x, d) => x + centre[d]).ToArray())).ToArray();
            state.Accumulate(TestData.Labels(Enumerable.Repeat((long)c, vectors.Length).ToArray()), TestData.ToTensor(vectors, ScalarType.Float32));
        }

        state.EndEpoch();
        return state;
    }
}
