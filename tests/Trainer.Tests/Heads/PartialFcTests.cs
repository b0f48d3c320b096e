using KappaFace.MLNet.Trainer.Concentration;
using KappaFace.MLNet.Trainer.Heads;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace KappaFace.MLNet.Trainer.Tests.Heads;

/// <summary>
/// PartialFC class-centre sampling: the draw (positives kept, size, reproducibility), the loss over exactly the drawn
/// centres against a float64 re-computation, and where the gradient goes.
/// </summary>
public class PartialFcTests
{
    private const int Classes = 40;
    private const int Dim = 6;
    private const double Tight = 1e-9;

    private static readonly long[] BatchLabels = [3, 17, 3, 29, 0, 39, 17, 8];

    [Theory]
    [InlineData(0.1, 6)]   // round(4) < 6 distinct labels: the positives alone
    [InlineData(0.3, 12)]
    [InlineData(0.5, 20)]
    public void A_draw_keeps_every_positive_and_has_the_documented_size(double rate, int expectedSize)
    {
        var sampler = new ClassCentreSampler(Classes, rate, seed: 5);
        using var labels = torch.tensor(BatchLabels);
        var (classes, local) = sampler.Sample(labels, step: 11);
        using (classes)
        using (local)
        {
            long[] drawn = classes.data<long>().ToArray();
            int positives = BatchLabels.Distinct().Count();
            Assert.Equal(Math.Max(positives, (int)Math.Round(rate * Classes, MidpointRounding.AwayFromZero)), drawn.Length);
            Assert.Equal(expectedSize, drawn.Length);
            Assert.Equal(drawn.Order().Distinct(), drawn);
            Assert.All(BatchLabels, l => Assert.Contains(l, drawn));
            long[] remapped = local.data<long>().ToArray();
            for (int i = 0; i < BatchLabels.Length; i++)
            {
                Assert.Equal(BatchLabels[i], drawn[remapped[i]]);
            }
        }
    }

    [Fact]
    public void Draws_depend_on_seed_and_step_only()
    {
        using var labels = torch.tensor(BatchLabels);
        long[] Draw(long seed, long step)
        {
            var (classes, local) = new ClassCentreSampler(Classes, 0.5, seed).Sample(labels, step);
            local.Dispose();
            using (classes)
            {
                return classes.data<long>().ToArray();
            }
        }

        Assert.Equal(Draw(1, 4), Draw(1, 4));
        Assert.NotEqual(Draw(1, 4), Draw(1, 5));
        Assert.NotEqual(Draw(1, 4), Draw(2, 4));
    }

    [Fact]
    public void Negatives_are_spread_over_all_classes()
    {
        // Over many steps every non-positive class should be drawn about (20 - 6) / 34 of the time.
        using var labels = torch.tensor(BatchLabels);
        var sampler = new ClassCentreSampler(Classes, 0.5, seed: 9);
        var hits = new int[Classes];
        const int Steps = 400;
        for (int step = 0; step < Steps; step++)
        {
            var (classes, local) = sampler.Sample(labels, step);
            using (classes)
            using (local)
            {
                foreach (long c in classes.data<long>().ToArray())
                {
                    hits[c]++;
                }
            }
        }
        var positives = BatchLabels.Distinct().ToHashSet();
        double expected = Steps * (20.0 - positives.Count) / (Classes - positives.Count);
        for (int c = 0; c < Classes; c++)
        {
            if (positives.Contains(c))
            {
                Assert.Equal(Steps, hits[c]);
            }
            else
            {
                // Binomial sd is about 9.6 here; 5 sd is a bound no correct sampler crosses by chance.
                Assert.InRange(hits[c], expected - 48, expected + 48);
            }
        }
    }

    [Theory]
    [InlineData(MarginLossKind.ArcFace)]
    [InlineData(MarginLossKind.CosFace)]
    [InlineData(MarginLossKind.KappaFace)]
    public void A_rate_that_draws_every_class_gives_exactly_the_full_head(MarginLossKind loss)
    {
        using var state = SpreadState();
        var policy = Policy(loss, state);
        var (x, w) = Problem(1);
        using var full = Head(policy, w, null);
        // round(0.99 * 40) = 40: the sampler runs and draws every class.
        using var sampled = Head(policy, w, new ClassCentreSampler(Classes, 0.99, seed: 3));
        Assert.NotNull(sampled.Sampler);
        var (fullLoss, fullGrad) = LossAndGradient(full, x);
        var (sampledLoss, sampledGrad) = LossAndGradient(sampled, x);
        Assert.Equal(fullLoss, sampledLoss);
        // libtorch's multithreaded backward reductions may differ in the last bit between two calls of the same
        // head on a loaded machine, so gradients are compared to rounding, not bit for bit.
        Close.RowsRelative(fullGrad, sampledGrad, 1e-12, "dL/dW");
    }

    [Fact]
    public void A_rate_of_one_is_the_full_softmax()
    {
        using var head = new MarginSoftmaxHead(Classes, Dim, 16, new ArcFaceMargin(0.5), ScalarType.Float64, new ClassCentreSampler(Classes, 1.0, 1));
        Assert.Null(head.Sampler);
    }

    [Theory]
    [InlineData(MarginLossKind.ArcFace, 0.3)]
    [InlineData(MarginLossKind.CosFace, 0.3)]
    [InlineData(MarginLossKind.KappaFace, 0.3)]
    [InlineData(MarginLossKind.KappaFace, 0.05)]
    public void The_sampled_loss_is_the_margin_softmax_over_exactly_the_drawn_centres(MarginLossKind loss, double rate)
    {
        using var state = SpreadState();
        var policy = Policy(loss, state);
        var (x, w) = Problem(2);
        var sampler = new ClassCentreSampler(Classes, rate, seed: 17);
        using var head = Head(policy, w, sampler);
        head.SamplingStep = 42;
        var (actualLoss, gradient) = LossAndGradient(head, x);

        // Independent float64 re-computation over the drawn centres, labels remapped into the subset.
        using var labels = torch.tensor(BatchLabels);
        var (classes, _) = sampler.Sample(labels, 42);
        long[] drawn = classes.data<long>().ToArray();
        classes.Dispose();
        var subset = drawn.Select(c => w[c]).ToArray();
        var localLabels = BatchLabels.Select(l => Array.IndexOf(drawn, l)).ToArray();
        var naive = new NaiveMarginSoftmax
        {
            Kind = loss == MarginLossKind.CosFace ? NaiveMargin.Cosine : NaiveMargin.Angular,
            Scale = 16,
        };
        double[] margins = BatchLabels.Select(l => MarginOf(loss, state, l)).ToArray();
        double expected = naive.Loss(x, subset, localLabels, margins);
        Close.Equal(expected, actualLoss, Tight * Math.Max(1, expected), "sampled loss");

        // The gradient reaches the drawn centres only (and does reach them).
        var drawnSet = drawn.ToHashSet();
        for (int c = 0; c < Classes; c++)
        {
            double norm = gradient[c].Sum(v => v * v);
            Assert.True(drawnSet.Contains(c) ? norm > 0 : norm == 0, $"class {c}: |grad|^2 = {norm:E2}, drawn = {drawnSet.Contains(c)}");
        }
        var (_, naiveCentreGradient) = naive.Gradient(x, subset, localLabels, margins);
        for (int k = 0; k < drawn.Length; k++)
        {
            Close.Relative(naiveCentreGradient[k], gradient[drawn[k]], 1e-8, $"dL/dW[{drawn[k]}]");
        }
    }

    [Fact]
    public void Evaluation_mode_uses_every_centre()
    {
        var (x, w) = Problem(3);
        var policy = new ArcFaceMargin(0.5);
        using var full = Head(policy, w, null);
        using var sampled = Head(policy, w, new ClassCentreSampler(Classes, 0.2, seed: 1));
        sampled.eval();
        Assert.Equal(LossAndGradient(full, x).Loss, LossAndGradient(sampled, x).Loss);
    }

    [Fact]
    public void A_hundred_thousand_class_head_steps_with_one_percent_of_its_centres()
    {
        const int classes = 100_000;
        const int dim = 128;
        using var head = new MarginSoftmaxHead(classes, dim, 64, new ArcFaceMargin(0.5), ScalarType.Float32, new ClassCentreSampler(classes, 0.01, 1));
        using var optimizer = torch.optim.SGD(head.parameters(), 0.1, momentum: 0.9);
        using var scope = torch.NewDisposeScope();
        var labels = torch.randint(0, classes, [64], ScalarType.Int64);
        var features = nn.functional.normalize(torch.randn(64, dim), p: 2, dim: 1);
        using var before = head.Centres.detach().clone();
        for (long step = 0; step < 2; step++)
        {
            optimizer.zero_grad();
            head.SamplingStep = step;
            var loss = head.call(features, labels);
            Assert.True(double.IsFinite(loss.item<float>()));
            loss.backward();
            optimizer.step();
        }
        // Without weight decay only centres that were drawn (about 1% per step) can move.
        using var moved = (head.Centres.detach() - before).abs().sum(1).gt(0).sum();
        long movedRows = moved.item<long>();
        Assert.InRange(movedRows, 1000, 2000);
    }

    private static (double[][] X, double[][] W) Problem(int seed)
    {
        var random = new Random(seed);
        return (TestData.UnitRows(random, BatchLabels.Length, Dim), TestData.Gaussian(random, Classes, Dim));
    }

    private static MarginSoftmaxHead Head(IMarginPolicy policy, double[][] w, ClassCentreSampler? sampler)
    {
        var head = new MarginSoftmaxHead(Classes, Dim, 16, policy, ScalarType.Float64, sampler);
        using (torch.no_grad())
        using (var initial = TestData.ToTensor(w))
        {
            head.Centres.copy_(initial);
        }
        return head;
    }

    private static (double Loss, double[][] CentreGradient) LossAndGradient(MarginSoftmaxHead head, double[][] x)
    {
        using var scope = torch.NewDisposeScope();
        var features = TestData.ToTensor(x);
        var labels = torch.tensor(BatchLabels);
        head.Centres.grad?.zero_();
        var loss = head.call(features, labels);
        loss.backward();
        return (loss.item<double>(), TestData.ToRows(head.Centres.grad!));
    }

    private static IMarginPolicy Policy(MarginLossKind loss, KappaFaceState state) => loss switch
    {
        MarginLossKind.ArcFace => new ArcFaceMargin(0.5),
        MarginLossKind.CosFace => new CosFaceMargin(0.35),
        _ => new KappaFaceMargin(state),
    };

    private static double MarginOf(MarginLossKind loss, KappaFaceState state, long label) => loss switch
    {
        MarginLossKind.ArcFace => 0.5,
        MarginLossKind.CosFace => 0.35,
        _ => state.Margins[(int)label],
    };

    // A KappaFace state whose margins differ per class, so a margin looked up by the wrong (local) id shows.
    private static KappaFaceState SpreadState()
    {
        var counts = Enumerable.Range(0, Classes).Select(c => (long)(2 + (c * 7 % 13))).ToArray();
        var state = new KappaFaceState(counts, Dim, new MarginOptions());
        var random = new Random(21);
        using var scope = torch.NewDisposeScope();
        for (int c = 0; c < Classes; c++)
        {
            var centre = TestData.UnitRows(random, 1, Dim)[0];
            double spread = 0.1 + (c % 5) * 0.4;
            var vectors = TestData.Gaussian(random, (int)counts[c], Dim, spread)
                .Select(v => TestData.Normalised(v.Select((x, d) => x + centre[d]).ToArray())).ToArray();
            state.Accumulate(torch.tensor(Enumerable.Repeat((long)c, vectors.Length).ToArray()), TestData.ToTensor(vectors, ScalarType.Float32));
        }
        state.EndEpoch();
        Assert.True(state.Margins.Max() - state.Margins.Min() > 0.05, "the margins should differ between classes");
        return state;
    }
}
