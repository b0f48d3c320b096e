using KappaFace.MLNet.Trainer.Training;
using Xunit;

namespace KappaFace.MLNet.Trainer.Tests.Training;

public class LearningRateScheduleTests
{
    private static LearningRateSchedule Make(LearningRateDecay decay, double warmup = 0, int epochs = 10) =>
        new(new FaceTrainerOptions { LearningRate = 0.1, Decay = decay, WarmupEpochs = warmup, Epochs = epochs, StepEpochs = [4, 8] },
            stepsPerEpoch: 10, epochs: epochs);

    [Fact]
    public void Warmup_rises_linearly_to_the_base_rate()
    {
        var s = Make(LearningRateDecay.Cosine, warmup: 2);
        Assert.Equal(0.1 * 1 / 20, s.RateAt(0), 12);
        Assert.Equal(0.1 * 10 / 20, s.RateAt(9), 12);
        Assert.Equal(0.1, s.RateAt(19), 12);
        Assert.Equal(0.1, s.RateAt(20), 12); // first decay step starts at the peak
    }

    [Fact]
    public void Cosine_goes_from_peak_through_half_to_zero()
    {
        var s = Make(LearningRateDecay.Cosine);
        Assert.Equal(0.1, s.RateAt(0), 12);
        Assert.Equal(0.05, s.RateAt(50), 12);   // progress 0.5: 0.1 * (1 + cos(pi/2)) / 2
        Assert.Equal(0.1 * 0.5 * (1 + Math.Cos(Math.PI * 0.99)), s.RateAt(99), 12);
    }

    [Fact]
    public void Polynomial_uses_the_power()
    {
        var s = Make(LearningRateDecay.Polynomial);
        Assert.Equal(0.1 * 0.75 * 0.75, s.RateAt(25), 12);
    }

    [Fact]
    public void Step_decay_multiplies_at_each_listed_epoch()
    {
        var s = Make(LearningRateDecay.Step);
        Assert.Equal(0.1, s.RateAt(39), 12);
        Assert.Equal(0.01, s.RateAt(40), 12);
        Assert.Equal(0.01, s.RateAt(79), 12);
        Assert.Equal(0.001, s.RateAt(80), 12);
    }
}
