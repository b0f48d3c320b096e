using KappaFace.MLNet.Trainer.Training;
using Xunit;

namespace KappaFace.MLNet.Trainer.Tests.Training;

public class EpochPlanTests
{
    [Fact]
    public void Steps_cover_distinct_images_and_drop_the_incomplete_last_batch()
    {
        var plan = new EpochPlan(count: 103, batchSize: 10, seed: 7, epoch: 0, horizontalFlip: true);
        Assert.Equal(10, plan.StepCount);
        var seen = Enumerable.Range(0, plan.StepCount).SelectMany(s => plan.Batch(s).ToArray()).ToList();
        Assert.Equal(100, seen.Count);
        Assert.Equal(100, seen.Distinct().Count());
        Assert.All(seen, i => Assert.InRange(i, 0, 102));
    }

    [Fact]
    public void A_set_smaller_than_a_batch_is_one_step_of_everything()
    {
        var plan = new EpochPlan(count: 5, batchSize: 64, seed: 1, epoch: 0, horizontalFlip: false);
        Assert.Equal(1, plan.StepCount);
        Assert.Equal(new[] { 0, 1, 2, 3, 4 }, plan.Batch(0).ToArray().Order());
    }

    [Fact]
    public void Order_and_flips_depend_only_on_seed_and_epoch()
    {
        int[] Order(int seed, int epoch) => new EpochPlan(50, 50, seed, epoch, true).Batch(0).ToArray();
        bool[] Flips(int seed, int epoch)
        {
            var p = new EpochPlan(50, 50, seed, epoch, true);
            return Enumerable.Range(0, 50).Select(p.IsFlipped).ToArray();
        }
        Assert.Equal(Order(3, 2), Order(3, 2));
        Assert.Equal(Flips(3, 2), Flips(3, 2));
        Assert.NotEqual(Order(3, 2), Order(3, 3));
        Assert.NotEqual(Order(3, 2), Order(4, 2));
        Assert.NotEqual(Flips(3, 2), Flips(3, 3));
    }

    [Fact]
    public void About_half_the_images_are_flipped_and_none_without_augmentation()
    {
        var plan = new EpochPlan(4000, 64, 11, 0, horizontalFlip: true);
        int flipped = Enumerable.Range(0, 4000).Count(plan.IsFlipped);
        Assert.InRange(flipped, 1800, 2200);
        var off = new EpochPlan(4000, 64, 11, 0, horizontalFlip: false);
        Assert.DoesNotContain(Enumerable.Range(0, 4000), off.IsFlipped);
    }
}
