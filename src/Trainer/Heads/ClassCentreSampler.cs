using TorchSharp;
using static TorchSharp.torch;

namespace KappaFace.MLNet.Trainer.Heads;

/// <summary>
/// PartialFC-style class-centre sampling: each step keeps every class present in the batch (the positives) and
/// draws the other centres uniformly without replacement, so that the softmax runs over
/// <c>max(#positives, round(rate * C))</c> centres instead of all C.
/// </summary>
/// <remarks>
/// <para>The draw depends only on (seed, step, batch labels): a resumed run draws the same subsets without storing
/// generator state. The subset is returned sorted, so with every class drawn it is exactly <c>0..C-1</c>.</para>
/// <para>Conventions follow insightface's PartialFC v2 (labels remapped into the subset, loss over the subset only);
/// there the sample size is truncated, here it is rounded half away from zero.</para>
/// </remarks>
public sealed class ClassCentreSampler
{
    private readonly ulong _seed;

    /// <summary>Creates a sampler over <paramref name="classCount"/> classes.</summary>
    /// <param name="classCount">Number of classes C.</param>
    /// <param name="sampleRate">Fraction of centres per step, in (0, 1].</param>
    /// <param name="seed">Seed of the draws.</param>
    public ClassCentreSampler(int classCount, double sampleRate, long seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 1);
        if (!(sampleRate > 0 && sampleRate <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(sampleRate), sampleRate, "The sample rate must be in (0, 1].");
        }
        ClassCount = classCount;
        SampleRate = sampleRate;
        _seed = unchecked((ulong)seed);
    }

    /// <summary>Number of classes C.</summary>
    public int ClassCount { get; }

    /// <summary>Fraction of centres drawn per step.</summary>
    public double SampleRate { get; }

    /// <summary>The number of centres a step with <paramref name="positives"/> distinct batch classes uses.</summary>
    public int SampleSize(int positives)
    {
        int target = (int)Math.Min(ClassCount, Math.Round(SampleRate * ClassCount, MidpointRounding.AwayFromZero));
        return Math.Max(positives, target);
    }

    /// <summary>Draws the centres of one step.</summary>
    /// <param name="labels">Global class ids of the batch <c>[B]</c> int64.</param>
    /// <param name="step">The optimiser step (any value; equal values give equal draws for equal labels).</param>
    /// <returns>
    /// <c>Classes</c>: the sampled global ids <c>[K]</c> int64, ascending; <c>LocalLabels</c>: each label's position in
    /// <c>Classes</c> <c>[B]</c> int64. Both on the labels' device, owned by the caller.
    /// </returns>
    public (Tensor Classes, Tensor LocalLabels) Sample(Tensor labels, long step)
    {
        ArgumentNullException.ThrowIfNull(labels);
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var cpuLabels = labels.to(ScalarType.Int64, CPU);
        var positives = cpuLabels.unique(sorted: true).output;
        int size = SampleSize((int)positives.shape[0]);
        Tensor classes;
        if (size >= ClassCount)
        {
            classes = torch.arange(ClassCount, ScalarType.Int64);
        }
        else
        {
            // Uniform scores in [0, 1); positives get 2 so top-k always keeps them and fills up with random others.
            using var generator = new torch.Generator(Mix(_seed, unchecked((ulong)step)));
            var scores = torch.rand(ClassCount, ScalarType.Float32, generator: generator);
            using (var two = 2.0.ToScalar())
            {
                scores.index_fill_(0, positives, two);
            }
            classes = scores.topk(size, largest: true, sorted: false).indexes.sort().Values;
        }
        var local = torch.searchsorted(classes, cpuLabels);
        var device = labels.device;
        return (classes.to(device).MoveToOuterDisposeScope(), local.to(device).MoveToOuterDisposeScope());
    }

    // SplitMix64 finaliser: neighbouring steps get unrelated generator seeds.
    private static ulong Mix(ulong seed, ulong step)
    {
        ulong z = unchecked(seed * 0x9E3779B97F4A7C15UL + step * 0xBF58476D1CE4E5B9UL + 0x5046_4353UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return z ^ (z >> 31);
    }
}
