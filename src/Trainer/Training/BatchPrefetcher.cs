using KappaFace.MLNet.Transforms.Data;

namespace KappaFace.MLNet.Trainer.Training;

/// <summary>
/// Assembles the next batch on a pool thread while the current step runs, so pixel conversion is off
/// the training thread. One batch ahead is enough: assembly is far cheaper than a step.
/// </summary>
/// <remarks>
/// Two buffers alternate: a step copies its batch into a tensor before the batch after next is
/// assembled, so neither is overwritten while in use. Reusing them keeps megabyte-sized arrays out of
/// the garbage collector's large-object heap, whose collections otherwise run every few steps.
/// </remarks>
internal sealed class BatchPrefetcher(FaceImageSet images, EpochPlan plan) : IDisposable
{
    private readonly float[]?[] _buffers = new float[2][];
    private int _pendingStep = -1;
    private Task<float[]>? _pending;

    /// <summary>Starts assembling <paramref name="step"/> in the background.</summary>
    public void Start(int step)
    {
        _pendingStep = step;
        _pending = Task.Run(() => Assemble(step));
    }

    /// <summary>The batch of <paramref name="step"/>: the prefetched one, or assembled now.</summary>
    public float[] Take(int step)
    {
        if (_pending is not null && _pendingStep == step)
        {
            float[] batch = _pending.GetAwaiter().GetResult();
            _pending = null;
            return batch;
        }
        return Assemble(step);
    }

    public void Dispose()
    {
        // Let an abandoned prefetch finish; it only fills a managed array.
        _pending?.ContinueWith(static _ => { }, TaskScheduler.Default).Wait();
        _pending = null;
    }

    private float[] Assemble(int step)
    {
        int slot = step & 1;
        return _buffers[slot] = BatchAssembler.Assemble(images, plan.Batch(step), plan.IsFlipped, _buffers[slot]);
    }
}
