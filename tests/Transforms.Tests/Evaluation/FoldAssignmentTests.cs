using KappaFace.MLNet.Transforms.Evaluation;
using Xunit;

namespace KappaFace.MLNet.Transforms.Tests.Evaluation;

public class FoldAssignmentTests
{
    [Fact]
    public void Balanced_folds_share_each_label_evenly_and_depend_on_the_seed()
    {
        // 30 same then 70 different pairs, ordered by label like an LFW pairs file.
        bool[] same = [.. Enumerable.Range(0, 100).Select(i => i < 30)];

        int[] folds = FoldAssignment.Balanced(same, 10, seed: 7);

        for (int f = 0; f < 10; f++)
        {
            Assert.Equal(3, Enumerable.Range(0, 100).Count(i => folds[i] == f && same[i]));
            Assert.Equal(7, Enumerable.Range(0, 100).Count(i => folds[i] == f && !same[i]));
        }

        Assert.Equal(folds, FoldAssignment.Balanced(same, 10, seed: 7));
        Assert.NotEqual(folds, FoldAssignment.Balanced(same, 10, seed: 8));
    }

    [Fact]
    public void Uneven_counts_give_fold_sizes_within_one()
    {
        bool[] same = [.. Enumerable.Range(0, 23).Select(i => i % 3 == 0)];

        int[] folds = FoldAssignment.Balanced(same, 4, seed: 1);

        int[] sizes = [.. Enumerable.Range(0, 4).Select(f => folds.Count(x => x == f))];
        Assert.True(sizes.Max() - sizes.Min() <= 1, string.Join(",", sizes));
    }

    [Fact]
    public void Caller_fold_ids_map_to_increasing_order()
    {
        int[] folds = FoldAssignment.FromIds([9, 2, 9, 5], out int count);

        Assert.Equal(3, count);
        Assert.Equal([2, 0, 2, 1], folds);
    }
}
