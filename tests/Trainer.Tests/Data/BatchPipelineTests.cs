using KappaFace.MLNet.Trainer.Data;
using KappaFace.MLNet.Trainer.Tests.Training;
using KappaFace.MLNet.Trainer.Training;
using KappaFace.MLNet.Data;
using Xunit;

namespace KappaFace.MLNet.Trainer.Tests.Data;

public class BatchPipelineTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 1)]
    [InlineData(2, 4)]
    public void Every_batch_is_the_plan_order_normalised_and_flipped(int workers, int capacity)
    {
        var set = TrainingFixtures.SmallSynthetic();
        var plan = new EpochPlan(set.Count, 8, seed: 4, epoch: 1, horizontalFlip: true);
        using var pipeline = new BatchPipeline(new InMemoryTrainingImages(set), plan, 0, workers, capacity);
        for (int step = 0; step < plan.StepCount; step++)
        {
            float[] batch = pipeline.Take(step);
            Assert.Equal(Naive(set, plan, step), batch);
        }
    }

    [Fact]
    public void A_resumed_epoch_starts_at_its_step()
    {
        var set = TrainingFixtures.SmallSynthetic();
        var plan = new EpochPlan(set.Count, 8, seed: 2, epoch: 0, horizontalFlip: true);
        using var pipeline = new BatchPipeline(new InMemoryTrainingImages(set), plan, 3, 2, 2);
        Assert.Throws<InvalidOperationException>(() => pipeline.Take(0));
        for (int step = 3; step < plan.StepCount; step++)
        {
            Assert.Equal(Naive(set, plan, step), pipeline.Take(step));
        }
        Assert.Throws<InvalidOperationException>(() => pipeline.Take(plan.StepCount));
    }

    [Fact]
    public void A_decode_failure_surfaces_at_its_batch_naming_the_file()
    {
        var set = TrainingFixtures.SmallSynthetic();
        var plan = new EpochPlan(set.Count, 8, seed: 2, epoch: 0, horizontalFlip: false);
        int badIndex = plan.Batch(2)[5];
        var images = new FailingImages(new InMemoryTrainingImages(set), badIndex);
        using var pipeline = new BatchPipeline(images, plan, 0, 2, 1);
        pipeline.Take(0);
        pipeline.Take(1);
        var e = Assert.Throws<FaceDataException>(() => pipeline.Take(2));
        Assert.Equal(set.Sources[badIndex], e.Path);
    }

    [Fact]
    public void Disposing_mid_epoch_stops_the_producer()
    {
        var set = TrainingFixtures.SmallSynthetic();
        var plan = new EpochPlan(set.Count, 4, seed: 2, epoch: 0, horizontalFlip: false);
        var images = new FailingImages(new InMemoryTrainingImages(set), badIndex: -1);
        var pipeline = new BatchPipeline(images, plan, 0, 2, 1);
        pipeline.Take(0);
        pipeline.Dispose();

        // Capacity 1 lets the producer run at most two batches ahead of nothing (the one taken and one queued);
        // Dispose joined it, so no image is copied afterwards and the rest of the epoch is never produced.
        int copied = images.Copies;
        Assert.InRange(copied, 4, 2 * 4);
        Assert.True(plan.StepCount > 2, $"the epoch must be longer than what the producer may prefetch ({plan.StepCount} steps)");
        Thread.Sleep(200);
        Assert.Equal(copied, images.Copies);
    }

    // (pixel - 127.5) / 127.5, mirrored per plan, written out with plain loops.
    private static float[] Naive(FaceImageSet set, EpochPlan plan, int step)
    {
        int s = set.ImageSize;
        var indices = plan.Batch(step).ToArray();
        var result = new float[indices.Length * 3 * s * s];
        for (int b = 0; b < indices.Length; b++)
        {
            byte[] pixels = set.GetPixels(indices[b]).ToArray();
            bool flip = plan.IsFlipped(indices[b]);
            for (int c = 0; c < 3; c++)
            {
                for (int y = 0; y < s; y++)
                {
                    for (int x = 0; x < s; x++)
                    {
                        int sourceX = flip ? s - 1 - x : x;
                        result[((b * 3 + c) * s + y) * s + x] = (pixels[(c * s + y) * s + sourceX] - 127.5f) / 127.5f;
                    }
                }
            }
        }
        return result;
    }

    /// <summary>The images of <paramref name="inner"/>, failing to decode <paramref name="badIndex"/> (-1: none) and counting copies.</summary>
    private sealed class FailingImages(ITrainingImages inner, int badIndex) : ITrainingImages
    {
        private int _copies;

        public int Copies => Volatile.Read(ref _copies);
        public int ImageSize => inner.ImageSize;
        public int Count => inner.Count;
        public int ClassCount => inner.ClassCount;
        public IReadOnlyList<int> Labels => inner.Labels;
        public IReadOnlyList<string> Sources => inner.Sources;
        public long[] ClassCounts() => inner.ClassCounts();

        public void CopyPixels(int index, Span<byte> target)
        {
            Interlocked.Increment(ref _copies);
            if (index == badIndex)
            {
                throw new FaceDataException(inner.Sources[index], "not a decodable image");
            }
            inner.CopyPixels(index, target);
        }
    }
}
