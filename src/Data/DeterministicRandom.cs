using System.Runtime.CompilerServices;

namespace KappaFace.MLNet.Data;

/// <summary>
/// A small seeded generator (SplitMix64) whose output is fixed by this code alone.
/// </summary>
/// <remarks>
/// <see cref="System.Random"/> with a seed is stable today, but its algorithm is an implementation
/// detail of the runtime. Splits, pair lists, folds and synthetic faces are recorded by seed in model
/// cards and JSON reports, so they must reproduce on any runtime: hence this class.
/// </remarks>
internal sealed class DeterministicRandom
{
    private const ulong GoldenGamma = 0x9E3779B97F4A7C15UL;
    private ulong _state;

    /// <summary>Creates a generator from one seed.</summary>
    public DeterministicRandom(long seed)
    {
        _state = unchecked((ulong)seed);
    }

    /// <summary>
    /// Creates a generator for one item of a seeded family (for example image k of identity i), so items
    /// can be generated in parallel, in any order, with the same result.
    /// </summary>
    public static DeterministicRandom ForStream(long seed, long stream, long item = 0)
    {
        ulong mixed = Mix(unchecked((ulong)seed) + GoldenGamma);
        mixed = Mix(mixed ^ unchecked((ulong)stream * 0xD1B54A32D192ED03UL));
        mixed = Mix(mixed ^ unchecked((ulong)item * 0x8CB92BA72F3D8DD7UL));
        return new DeterministicRandom(unchecked((long)mixed));
    }

    /// <summary>The next 64 random bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong NextUInt64()
    {
        _state = unchecked(_state + GoldenGamma);
        return Mix(_state);
    }

    /// <summary>A uniform double in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>A uniform double in [low, high).</summary>
    public double Uniform(double low, double high) => low + ((high - low) * NextDouble());

    /// <summary>A uniform double in [-magnitude, magnitude).</summary>
    public double Symmetric(double magnitude) => Uniform(-magnitude, magnitude);

    /// <summary>True with the given probability.</summary>
    public bool Chance(double probability) => NextDouble() < probability;

    /// <summary>A uniform integer in [0, maxExclusive).</summary>
    public int NextInt(int maxExclusive)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxExclusive);
        return (int)NextLong(maxExclusive);
    }

    /// <summary>A uniform integer in [0, maxExclusive), without modulo bias.</summary>
    public long NextLong(long maxExclusive)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxExclusive);
        ulong bound = (ulong)maxExclusive;
        // Rejecting the top partial block keeps every value equally likely.
        ulong limit = ulong.MaxValue - (ulong.MaxValue % bound);
        ulong value;
        do
        {
            value = NextUInt64();
        }
        while (value >= limit);
        return (long)(value % bound);
    }

    /// <summary>A standard normal sample (Box-Muller).</summary>
    public double NextGaussian()
    {
        double u1 = 1.0 - NextDouble(); // (0, 1]: keeps the logarithm finite
        double u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>Shuffles the span in place (Fisher-Yates).</summary>
    public void Shuffle<T>(Span<T> items)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Mix(ulong z)
    {
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return z ^ (z >> 31);
    }
}
