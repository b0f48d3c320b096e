using KappaFace.MLNet.Data;
using Xunit;

namespace KappaFace.MLNet.Data.Tests;

public class PairGeneratorTests
{
    // 12 identities with 5..16 images (126 images): C(17,3) - C(5,3) = 670 same pairs, 7875 - 670 = 7205 different.
    private static readonly int[] LongTail = Enumerable.Range(0, 12).SelectMany(c => Enumerable.Repeat(c, c + 5)).ToArray();

    [Theory]
    [InlineData(1000)] // 500 of 670 same pairs: drawn by listing them all
    [InlineData(300)] // 150 of 670: drawn by rejection of repeats
    [InlineData(41)] // the odd pair is a different one
    public void Pairs_are_balanced_valid_and_distinct(int pairCount)
    {
        IReadOnlyList<FacePair> pairs = PairGenerator.Balanced(LongTail, pairCount, seed: 3);

        Assert.Equal(pairCount, pairs.Count);
        Assert.Equal(pairCount / 2, pairs.Count(p => p.Same));
        Assert.All(pairs, p =>
        {
            Assert.True(p.IndexA < p.IndexB, $"{p} is not ordered (or a self-pair)");
            Assert.InRange(p.IndexB, 0, LongTail.Length - 1);
            Assert.Equal(LongTail[p.IndexA] == LongTail[p.IndexB], p.Same);
        });
        Assert.Equal(pairs.Count, pairs.Distinct().Count());
    }

    [Fact]
    public void The_list_is_shuffled_so_any_slice_mixes_both_kinds()
    {
        IReadOnlyList<FacePair> pairs = PairGenerator.Balanced(LongTail, 200, seed: 3);

        Assert.InRange(pairs.Take(50).Count(p => p.Same), 10, 40);
    }

    [Fact]
    public void The_same_seed_gives_the_same_pairs_and_another_seed_does_not()
    {
        Assert.Equal(PairGenerator.Balanced(LongTail, 300, seed: 9), PairGenerator.Balanced(LongTail, 300, seed: 9));
        Assert.NotEqual(PairGenerator.Balanced(LongTail, 300, seed: 9), PairGenerator.Balanced(LongTail, 300, seed: 10));
    }

    [Fact]
    public void Asking_for_every_possible_pair_returns_each_once()
    {
        // Same pairs: 3 (class 0) + 1 (class 1) = 4. Different pairs: 10 - 4 = 6.
        int[] labels = [0, 0, 0, 1, 1];

        IReadOnlyList<FacePair> pairs = PairGenerator.Balanced(labels, 8, seed: 1);

        Assert.Equal(
            new[] { (0, 1), (0, 2), (1, 2), (3, 4) },
            pairs.Where(p => p.Same).Select(p => (p.IndexA, p.IndexB)).Order());
        Assert.Equal(4, pairs.Count(p => !p.Same));
    }

    [Fact]
    public void Pair_draws_are_roughly_uniform_over_same_pairs()
    {
        // Class 0 has 3 same pairs, class 1 has 1: uniform over pairs gives class 0 three quarters.
        int[] labels = [0, 0, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
        int fromClassZero = 0;
        for (int seed = 0; seed < 400; seed++)
        {
            fromClassZero += PairGenerator.Balanced(labels, 2, seed).Count(p => p.Same && labels[p.IndexA] == 0);
        }

        Assert.InRange(fromClassZero, 260, 340); // expected 300, sd about 9
    }

    [Fact]
    public void Labels_that_cannot_give_both_kinds_are_rejected()
    {
        var singletons = Assert.Throws<ArgumentException>(() => PairGenerator.Balanced([0, 1, 2, 3], 4, seed: 1));
        Assert.Contains("single image", singletons.Message, StringComparison.Ordinal);

        var oneClass = Assert.Throws<ArgumentException>(() => PairGenerator.Balanced([5, 5, 5], 2, seed: 1));
        Assert.Contains("one identity", oneClass.Message, StringComparison.Ordinal);

        var tooMany = Assert.Throws<ArgumentException>(() => PairGenerator.Balanced([0, 0, 1, 1], 10, seed: 1));
        Assert.Contains("allow only 2 same and 4 different", tooMany.Message, StringComparison.Ordinal);

        Assert.Throws<ArgumentOutOfRangeException>(() => PairGenerator.Balanced([0, 0, 1], 1, seed: 1));
    }
}
