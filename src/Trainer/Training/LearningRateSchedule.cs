namespace KappaFace.MLNet.Trainer.Training;

/// <summary>How the learning rate decays after warm-up.</summary>
public enum LearningRateDecay
{
    /// <summary>Constant, then multiplied by <see cref="FaceTrainerOptions.StepFactor"/> at each epoch in <see cref="FaceTrainerOptions.StepEpochs"/> (the reference recipe).</summary>
    Step,
    /// <summary>(1 - progress)^power, as insightface's PolyScheduler.</summary>
    Polynomial,
    /// <summary>Half cosine from the base rate to zero.</summary>
    Cosine,
}

/// <summary>
/// The learning rate at every optimiser step: linear warm-up from 0, then the chosen decay. A pure
/// function of the step, so a resumed run needs no scheduler state.
/// </summary>
public sealed class LearningRateSchedule
{
    private readonly double _baseRate;
    private readonly long _warmupSteps;
    private readonly long _totalSteps;
    private readonly long _stepsPerEpoch;
    private readonly LearningRateDecay _decay;
    private readonly double _power;
    private readonly IReadOnlyList<int> _stepEpochs;
    private readonly double _stepFactor;

    /// <summary>Creates the schedule for <paramref name="stepsPerEpoch"/> x <paramref name="epochs"/> steps.</summary>
    public LearningRateSchedule(FaceTrainerOptions options, long stepsPerEpoch, int epochs)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(stepsPerEpoch, 1);
        _baseRate = options.LearningRate;
        _stepsPerEpoch = stepsPerEpoch;
        _totalSteps = stepsPerEpoch * epochs;
        _warmupSteps = (long)Math.Round(options.WarmupEpochs * stepsPerEpoch);
        _decay = options.Decay;
        _power = options.PolynomialPower;
        _stepEpochs = options.StepEpochs;
        _stepFactor = options.StepFactor;
    }

    /// <summary>The rate for the optimiser step with zero-based index <paramref name="step"/>.</summary>
    public double RateAt(long step)
    {
        if (step < _warmupSteps)
        {
            return _baseRate * (step + 1) / _warmupSteps;
        }
        long decaySteps = Math.Max(1, _totalSteps - _warmupSteps);
        double progress = Math.Clamp((double)(step - _warmupSteps) / decaySteps, 0, 1);
        return _decay switch
        {
            LearningRateDecay.Polynomial => _baseRate * Math.Pow(1 - progress, _power),
            LearningRateDecay.Cosine => _baseRate * 0.5 * (1 + Math.Cos(Math.PI * progress)),
            _ => _baseRate * Math.Pow(_stepFactor, _stepEpochs.Count(e => step >= e * _stepsPerEpoch)),
        };
    }
}
