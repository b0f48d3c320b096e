
namespace KappaFace.MLNet.Data;

/// <summary>Builds verification pairs from per-image identity labels.</summary>
public static class PairGenerator
{
    /// <summary>
    /// A seeded, balanced pair set: <c>pairCount / 2</c> same-identity pairs and the rest
    /// different-identity pairs, each drawn uniformly from all possible pairs of that kind, with no
    /// self-pairs and no pair twice. Each pair has IndexA &lt; IndexB; the list is shuffled so that any
    /// contiguous slice mixes both kinds.
    /// </summary>
    /// <param name="labels">The identity label of each image.</param>
    /// <param name="pairCount">The number of pairs, at least 2.</param>
    /// <param name="seed">Seeds the draw.</param>
    /// <exception cref="ArgumentException">Every identity has a single image (no same pairs), there is
    /// only one identity (no different pairs), or fewer distinct pairs exist than asked for.</exception>
    public static IReadOnlyList<FacePair> Balanced(IReadOnlyList<int> labels, int pairCount, int seed)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfLessThan(pairCount, 2);

        var byClass = labels.Select((label, index) => (label, index))
            .GroupBy(item => item.label)
            .OrderBy(group => group.Key)
            .Select(group => group.Select(item => item.index).ToArray())
            .ToArray();
        var samePairs = new SamePairSpace(byClass);
        var differentPairs = new DifferentPairSpace(labels, samePairs.Size);

        int sameCount = pairCount / 2;
        int differentCount = pairCount - sameCount;
        if (samePairs.Size == 0)
        {
            throw new ArgumentException("Every identity has a single image, so no same-identity pair can be made.", nameof(labels));
        }

        if (differentPairs.Size == 0)
        {
            throw new ArgumentException("All images have one identity, so no different-identity pair can be made.", nameof(labels));
        }

        if (sameCount > samePairs.Size || differentCount > differentPairs.Size)
        {
            throw new ArgumentException(
                $"{pairCount} pairs need {sameCount} same and {differentCount} different pairs, but these labels allow only "
                + $"{samePairs.Size} same and {differentPairs.Size} different pairs.",
                nameof(pairCount));
        }

        var random = new DeterministicRandom(seed);
        var pairs = new List<FacePair>(pairCount);
        pairs.AddRange(Draw(samePairs, sameCount, random));
        pairs.AddRange(Draw(differentPairs, differentCount, random));
        FacePair[] shuffled = [.. pairs];
        random.Shuffle(shuffled.AsSpan());
        return shuffled;
    }

    /// <summary>
    /// Draws <paramref name="count"/> distinct pairs uniformly from <paramref name="space"/>: by rejection
    /// when they are at most half the space (few repeats), otherwise by listing the space and taking a
    /// random part of it (cost at most twice the request).
    /// </summary>
    private static IEnumerable<FacePair> Draw(IPairSpace space, int count, DeterministicRandom random)
    {
        if (count <= space.Size / 2)
        {
            var seen = new HashSet<(int, int)>();
            var drawn = new List<FacePair>(count);
            while (drawn.Count < count)
            {
                FacePair pair = space.Sample(random);
                if (seen.Add((pair.IndexA, pair.IndexB)))
                {
                    drawn.Add(pair);
                }
            }

            return drawn;
        }

        FacePair[] all = [.. space.Enumerate()];
        // A partial Fisher-Yates: the first `count` entries become a uniform random subset.
        for (int i = 0; i < count; i++)
        {
            int j = i + random.NextInt(all.Length - i);
            (all[i], all[j]) = (all[j], all[i]);
        }

        return all.Take(count);
    }

    /// <summary>The pairs of one kind: their number, a uniform sampler and a full listing.</summary>
    private interface IPairSpace
    {
        long Size { get; }

        FacePair Sample(DeterministicRandom random);

        IEnumerable<FacePair> Enumerate();
    }

    private sealed class SamePairSpace : IPairSpace
    {
        private readonly int[][] _byClass;
        private readonly long[] _cumulativePairs;

        public SamePairSpace(int[][] byClass)
        {
            _byClass = byClass;
            _cumulativePairs = new long[byClass.Length];
            long total = 0;
            for (int c = 0; c < byClass.Length; c++)
            {
                total += (long)byClass[c].Length * (byClass[c].Length - 1) / 2;
                _cumulativePairs[c] = total;
            }

            Size = total;
        }

        public long Size { get; }

        public FacePair Sample(DeterministicRandom random)
        {
            // Picking the class in proportion to its pair count makes every same pair equally likely.
            long ticket = random.NextLong(Size);
            int c = Array.BinarySearch(_cumulativePairs, ticket);
            c = c >= 0 ? c + 1 : ~c;
            int[] images = _byClass[c];
            int a = random.NextInt(images.Length);
            int b = random.NextInt(images.Length - 1);
            if (b >= a)
            {
                b++;
            }

            return Ordered(images[a], images[b], same: true);
        }

        public IEnumerable<FacePair> Enumerate()
        {
            foreach (int[] images in _byClass)
            {
                for (int i = 0; i < images.Length; i++)
                {
                    for (int j = i + 1; j < images.Length; j++)
                    {
                        yield return Ordered(images[i], images[j], same: true);
                    }
                }
            }
        }
    }

    private sealed class DifferentPairSpace : IPairSpace
    {
        private readonly IReadOnlyList<int> _labels;

        public DifferentPairSpace(IReadOnlyList<int> labels, long samePairCount)
        {
            _labels = labels;
            // Every unordered pair of images is either a same pair or a different pair.
            Size = ((long)labels.Count * (labels.Count - 1) / 2) - samePairCount;
        }

        public long Size { get; }

        public FacePair Sample(DeterministicRandom random)
        {
            // Uniform over image pairs, rejecting same-label ones, is uniform over different pairs.
            while (true)
            {
                int a = random.NextInt(_labels.Count);
                int b = random.NextInt(_labels.Count);
                if (_labels[a] != _labels[b])
                {
                    return Ordered(a, b, same: false);
                }
            }
        }

        public IEnumerable<FacePair> Enumerate()
        {
            for (int i = 0; i < _labels.Count; i++)
            {
                for (int j = i + 1; j < _labels.Count; j++)
                {
                    if (_labels[i] != _labels[j])
                    {
                        yield return new FacePair(i, j, Same: false);
                    }
                }
            }
        }
    }

    private static FacePair Ordered(int a, int b, bool same) =>
        a < b ? new FacePair(a, b, same) : new FacePair(b, a, same);
}
