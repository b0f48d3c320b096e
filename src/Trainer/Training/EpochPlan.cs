namespace KappaFace.MLNet.Trainer.Training;

/// <summary>
/// The order and augmentation of one epoch, derived only from (seed, epoch): a resumed run replays
/// exactly the batches an uninterrupted run would have seen, without storing any RNG state.
/// </summary>
public sealed class EpochPlan
{
    private readonly int[] _order;
    private readonly ulong _flipKey;
    private readonly bool _flips;

    /// <summary>Plans epoch <paramref name="epoch"/> (zero-based) over <paramref name="count"/> images.</summary>
    public EpochPlan(int count, int batchSize, int seed, int epoch, bool horizontalFlip)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        _order = Enumerable.Range(0, count).ToArray();
        var random = new Random(unchecked((int)Mix((ulong)(uint)seed, (ulong)(uint)epoch, 0x5348_5546)));
        random.Shuffle(_order);
        _flipKey = Mix((ulong)(uint)seed, (ulong)(uint)epoch, 0x464C_4950);
        _flips = horizontalFlip;
        BatchSize = batchSize;
        StepCount = StepsPerEpoch(count, batchSize);
    }

    /// <summary>Images per step.</summary>
    public int BatchSize { get; }

    /// <summary>Optimiser steps in the epoch.</summary>
    public int StepCount { get; }

    /// <summary>
    /// Steps per epoch: the last incomplete batch is dropped (as the reference's drop_last) unless the
    /// whole set is smaller than one batch, in which case the epoch is one batch of everything.
    /// </summary>
    public static int StepsPerEpoch(int count, int batchSize) => Math.Max(1, count / batchSize);

    /// <summary>The dataset indices of step <paramref name="step"/>.</summary>
    public ReadOnlySpan<int> Batch(int step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(step, StepCount);
        int size = Math.Min(BatchSize, _order.Length);
        return _order.AsSpan(step * size, size);
    }

    /// <summary>Whether image <paramref name="index"/> is mirrored this epoch.</summary>
    public bool IsFlipped(int index) => _flips && (Mix(_flipKey, (ulong)(uint)index, 0) & 1) == 1;

    // SplitMix64 finaliser over a combination of the inputs: cheap, stateless, well mixed.
    private static ulong Mix(ulong a, ulong b, ulong c)
    {
        ulong z = unchecked(a * 0x9E3779B97F4A7C15UL + b * 0xBF58476D1CE4E5B9UL + c + 0x94D049BB133111EBUL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return z ^ (z >> 31);
    }
}
