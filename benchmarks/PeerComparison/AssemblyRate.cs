using System.Diagnostics;
using KappaFace.MLNet.Trainer.Training;
using KappaFace.MLNet.Data;

namespace KappaFace.MLNet.Benchmarks.PeerComparison;

/// <summary>
/// How fast one thread prepares batches the way the trainer's prefetcher does (gather the decoded pixels,
/// normalise to [-1, 1], mirror the flipped images): the input side must outpace the training step.
/// Images are decoded once when the set is loaded, so no per-step decoding exists to measure.
/// </summary>
internal static class AssemblyRate
{
    public static double ImagesPerSecond(FaceImageSet data, int batch, TimeSpan duration)
    {
        var plan = new EpochPlan(data.Count, batch, seed: 1, epoch: 0, horizontalFlip: true);
        float[]? buffer = null;
        long images = 0;
        var clock = Stopwatch.StartNew();
        for (int step = 0; clock.Elapsed < duration; step = (step + 1) % plan.StepCount)
        {
            buffer = BatchAssembler.Assemble(data, plan.Batch(step), plan.IsFlipped, buffer);
            images += batch;
        }
        return images / clock.Elapsed.TotalSeconds;
    }
}
