using KappaFace.MLNet.Trainer.Concentration;
using KappaFace.MLNet.Trainer.Heads;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace KappaFace.MLNet.Trainer.Tests.Heads;

public class MarginHeadFactoryTests
{
    private const int Dim = 6;
    private static readonly long[] Counts = { 4, 1, 6, 3 };

    [Fact]
    public void ArcFace_and_CosFace_get_their_policy_and_no_tracker()
    {
        using var arc = MarginHeadFactory.Create(new MarginOptions { Loss = MarginLossKind.ArcFace, ArcFaceFallback = true }, Counts, Dim);
        var arcPolicy = Assert.IsType<ArcFaceMargin>(arc.Head.Policy);
        Assert.Equal(0.5, arcPolicy.Margin);
        Assert.True(arcPolicy.ArcFaceFallback);
        Assert.Null(arc.Tracker);
        Assert.Null(arc.EndEpoch());
        using (var scope = torch.NewDisposeScope())
        {
            arc.AfterOptimizerStep(null, null, TestData.Labels(0), null, null);
        }

        using var cos = MarginHeadFactory.Create(new MarginOptions { Loss = MarginLossKind.CosFace, Scale = 30 }, Counts, Dim);
        Assert.Equal(0.35, Assert.IsType<CosFaceMargin>(cos.Head.Policy).Margin);
        Assert.Equal(30, cos.Head.Scale);
        Assert.Equal(Counts.Length, cos.Head.ClassCount);

        // Left open, the scale comes from the class count.
        using var open = MarginHeadFactory.Create(new MarginOptions { Loss = MarginLossKind.CosFace }, new long[125], Dim);
        Assert.Equal(MarginOptions.ScaleForClasses(125), open.Head.Scale, 9);
    }

    [Fact]
    public void KappaFace_wires_the_trackers_state_into_the_policy_and_sizes_the_memory_from_the_counts()
    {
        var options = new MarginOptions { DetachMarginGradient = true };
        using var bundle = MarginHeadFactory.Create(options, Counts, Dim, seed: 3);
        var policy = Assert.IsType<KappaFaceMargin>(bundle.Head.Policy);
        Assert.NotNull(bundle.Tracker);
        Assert.Same(bundle.Tracker.State, policy.State);
        Assert.True(policy.DetachMarginGradient);
        Assert.Equal(Counts.Sum(), bundle.Tracker.Memory!.ImageCount);
        Assert.Equal(options, bundle.Options); // an immutable record: later 'with' copies cannot reach the head
    }

    [Fact]
    public void Margins_computed_at_epoch_end_are_used_by_the_head_at_once()
    {
        using var bundle = MarginHeadFactory.Create(new MarginOptions { Scale = 64 }, Counts, Dim, seed: 3);
        using var scope = torch.NewDisposeScope();
        var random = new Random(8);
        var features = TestData.UnitRows(random, 8, Dim);
        var labels = TestData.Labels(0, 0, 1, 2, 2, 2, 3, 3);
        bundle.AfterOptimizerStep(null, TestData.Labels(0, 1, 4, 5, 6, 7, 9, 10), labels, TestData.ToTensor(features, ScalarType.Float32), null);
        var stats = bundle.EndEpoch();
        Assert.NotNull(stats);
        Assert.True(stats.Margins.Max() - stats.Margins.Min() > 1e-3);

        var x = TestData.ToTensor(features, ScalarType.Float32);
        var logits = TestData.ToRows(bundle.Head.Logits(x, labels));
        var centres = TestData.ToRows(bundle.Head.Centres);
        var cos = NaiveMarginSoftmax.Cosines(features, centres);
        var labelIds = TestData.ToVector(labels).Select(v => (int)v).ToArray();
        for (var i = 0; i < features.Length; i++)
        {
            var m = stats.Margins[labelIds[i]];
            Close.Equal(64 * Math.Cos(Math.Acos(cos[i][labelIds[i]]) + m), logits[i][labelIds[i]], 2e-3, $"target logit {i}");
        }
    }

    [Fact]
    public void Bundle_Save_and_Load_round_trip_centres_and_tracker()
    {
        torch.manual_seed(1);
        using var saved = MarginHeadFactory.Create(new MarginOptions(), Counts, Dim, seed: 3);
        using (var scope = torch.NewDisposeScope())
        {
            saved.AfterOptimizerStep(null, TestData.Labels(2, 3), TestData.Labels(1, 2), TestData.ToTensor(TestData.UnitRows(new Random(1), 2, Dim)), null);
            saved.EndEpoch();
        }

        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            saved.Save(writer);
        }

        stream.Position = 0;
        torch.manual_seed(2);
        using var loaded = MarginHeadFactory.Create(new MarginOptions(), Counts, Dim, seed: 4);
        using (var reader = new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            loaded.Load(reader);
        }

        Assert.Equal(saved.Head.Centres.bytes.ToArray(), loaded.Head.Centres.bytes.ToArray());
        Assert.Equal(saved.Tracker!.State.Psi, loaded.Tracker!.State.Psi);
        Assert.Equal(saved.Tracker.Memory!.Rows.bytes.ToArray(), loaded.Tracker.Memory!.Rows.bytes.ToArray());

        stream.Position = 0;
        using var arc = MarginHeadFactory.Create(new MarginOptions { Loss = MarginLossKind.ArcFace }, Counts, Dim);
        using var again = new BinaryReader(stream);
        Assert.Throws<InvalidDataException>(() => arc.Load(again));
    }

    [Fact]
    public void Invalid_options_are_rejected_before_anything_is_built()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => MarginHeadFactory.Create(new MarginOptions { KappaFace = new KappaFaceOptions { Temperature = -1 } }, Counts, Dim));
        Assert.Equal(nameof(KappaFaceOptions.Temperature), error.ParamName);
        Assert.Throws<ArgumentNullException>(() => MarginHeadFactory.CreatePolicy(new MarginOptions(), state: null));
    }
}
