using KappaFace.MLNet.Trainer.Training;
using Xunit;
using static KappaFace.MLNet.Trainer.Tests.Training.TrainingFixtures;

namespace KappaFace.MLNet.Trainer.Tests.Training;

public class TrainingStateTests
{
    [Fact]
    public void A_non_finite_loss_leaves_weights_and_position_untouched()
    {
        var data = SmallSynthetic();
        using var state = new TrainingState(TinyOptions(), data, TorchSharp.torch.CPU);
        var plan = new EpochPlan(data.Count, 8, 3, 0, false);
        float[] good = BatchAssembler.Assemble(data, plan.Batch(0), null);
        Assert.True(double.IsFinite(state.Step(good, plan.Batch(0), 0.05)));

        using var before = TinyCopy(state);
        float[] poisoned = (float[])good.Clone();
        poisoned[17] = float.NaN;
        double loss = state.Step(poisoned, plan.Batch(0), 0.05);

        Assert.True(double.IsNaN(loss));
        Assert.Equal(1, state.CompletedSteps);
        Assert.Equal(0, MaxStateDifference(before, state.Backbone));
    }

    private static KappaFace.MLNet.Trainer.Backbones.FaceBackbone TinyCopy(TrainingState state)
    {
        var copy = KappaFace.MLNet.Trainer.Backbones.BackboneFactory.Create(state.Backbone.Kind, state.Backbone.InputSize, state.Backbone.EmbeddingSize);
        copy.load_state_dict(state.Backbone.state_dict());
        return copy;
    }
}
