using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using KappaFace.MLNet.Trainer.Training;

namespace KappaFace.MLNet.Trainer.Data;

/// <summary>
/// Produces one epoch's batches on background threads, in the order of an <see cref="EpochPlan"/>: a producer
/// thread walks the steps, decodes each batch's images on up to <c>workers</c> threads, converts them with
/// <see cref="BatchAssembler.Normalise"/>, and queues the result; at most <c>capacity</c> batches wait ahead of the
/// one being trained on. The training thread takes them with <see cref="Take"/>.
/// </summary>
/// <remarks>
/// <para>A batch's content depends only on the plan and the images, never on thread timing, so a run is
/// bit-identical whatever the worker count and whether the images are in memory or decoded on the fly.</para>
/// <para>Buffers are recycled: the batch returned by <see cref="Take"/> stays valid until the next call (the
/// training step copies it into a tensor before then). Reuse keeps megabyte-sized arrays off the large-object
/// heap, whose collections otherwise run every few steps.</para>
/// </remarks>
public sealed class BatchPipeline : IDisposable
{
    private readonly ITrainingImages _images;
    private readonly EpochPlan _plan;
    private readonly int _workers;
    private readonly int _imageLength;
    private readonly SemaphoreSlim _slots;
    private readonly ConcurrentBag<float[]> _recycled = [];
    private readonly BlockingCollection<float[]> _ready = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _producer;
    private ExceptionDispatchInfo? _failure;
    private float[]? _held;
    private int _nextStep;

    /// <summary>Starts producing the batches of steps <paramref name="firstStep"/> .. end of the epoch.</summary>
    /// <param name="images">The training images (safe for concurrent <see cref="ITrainingImages.CopyPixels"/>).</param>
    /// <param name="plan">The epoch's order and flips.</param>
    /// <param name="firstStep">The first step to produce (a resumed epoch starts part-way).</param>
    /// <param name="workers">Threads decoding one batch's images in parallel, at least 1.</param>
    /// <param name="capacity">Batches assembled ahead of the one in use, at least 1.</param>
    public BatchPipeline(ITrainingImages images, EpochPlan plan, int firstStep, int workers, int capacity)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentOutOfRangeException.ThrowIfNegative(firstStep);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(firstStep, plan.StepCount);
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _images = images;
        _plan = plan;
        _workers = workers;
        _imageLength = 3 * images.ImageSize * images.ImageSize;
        _nextStep = firstStep;
        // One more slot than the queue holds: the batch the training step is using.
        _slots = new SemaphoreSlim(capacity + 1);
        _producer = Task.Factory.StartNew(() => Produce(firstStep), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>
    /// Default worker count for <paramref name="images"/>: one for images already in memory (a copy and a
    /// normalisation, far faster than a step, so more threads would only compete with libtorch's), else every
    /// core but the one the training thread needs, at least 1.
    /// </summary>
    public static int DefaultWorkers(ITrainingImages images) =>
        images is InMemoryTrainingImages ? 1 : Math.Max(1, Environment.ProcessorCount - 1);

    /// <summary>
    /// The batch of <paramref name="step"/>, <c>[B, 3, S, S]</c> normalised floats; steps must be taken in order.
    /// Blocks until it is ready. The previous batch's buffer is recycled by this call.
    /// </summary>
    /// <exception cref="KappaFace.MLNet.Data.FaceDataException">An image of this or an earlier queued batch could not be decoded.</exception>
    /// <exception cref="InvalidOperationException">Steps were taken out of order or past the end of the epoch.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled while waiting
    /// (a slow streamed batch must not delay Ctrl+C).</exception>
    public float[] Take(int step, CancellationToken cancellationToken = default)
    {
        if (step != _nextStep)
        {
            throw new InvalidOperationException($"The pipeline produces step {_nextStep} next; step {step} was asked for.");
        }
        Recycle();
        if (!_ready.TryTake(out var batch, Timeout.Infinite, cancellationToken))
        {
            _failure?.Throw();
            throw new InvalidOperationException($"The epoch has {_plan.StepCount} steps; step {step} is past its end.");
        }
        _nextStep++;
        _held = batch;
        return batch;
    }

    /// <summary>Stops the producer (an abandoned epoch, e.g. on cancellation) and waits for it.</summary>
    public void Dispose()
    {
        _stop.Cancel();
        try
        {
            _producer.Wait();
        }
        catch (AggregateException)
        {
            // Produce records its own failures; nothing else can surface here.
        }
        _stop.Dispose();
        _slots.Dispose();
        _ready.Dispose();
    }

    private void Recycle()
    {
        if (_held is not null)
        {
            _recycled.Add(_held);
            _held = null;
            _slots.Release();
        }
    }

    private void Produce(int firstStep)
    {
        try
        {
            for (int step = firstStep; step < _plan.StepCount; step++)
            {
                _slots.Wait(_stop.Token);
                _ready.Add(Assemble(step));
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Disposed before the epoch ended.
        }
        catch (Exception e)
        {
            _failure = ExceptionDispatchInfo.Capture(e);
        }
        finally
        {
            _ready.CompleteAdding();
        }
    }

    private float[] Assemble(int step)
    {
        ReadOnlySpan<int> indices = _plan.Batch(step);
        int length = indices.Length * _imageLength;
        float[] buffer = _recycled.TryTake(out var reuse) && reuse.Length == length ? reuse : new float[length];
        int[] batch = indices.ToArray();
        var failures = new Exception?[batch.Length];
        if (_workers == 1)
        {
            var scratch = new byte[_imageLength];
            for (int b = 0; b < batch.Length; b++)
            {
                failures[b] = Fill(batch, b, buffer, scratch);
            }
        }
        else
        {
            var options = new ParallelOptions { MaxDegreeOfParallelism = _workers, CancellationToken = _stop.Token };
            Parallel.For(0, batch.Length, options, () => new byte[_imageLength], (b, _, scratch) =>
            {
                failures[b] = Fill(batch, b, buffer, scratch);
                return scratch;
            }, static _ => { });
        }
        // The first failure in batch order, so the file named does not depend on thread timing.
        if (Array.Find(failures, f => f is not null) is { } first)
        {
            ExceptionDispatchInfo.Capture(first).Throw();
        }
        return buffer;
    }

    private Exception? Fill(int[] batch, int b, float[] buffer, byte[] scratch)
    {
        try
        {
            int index = batch[b];
            _images.CopyPixels(index, scratch);
            BatchAssembler.Normalise(scratch, _images.ImageSize, _plan.IsFlipped(index), buffer.AsSpan(b * _imageLength, _imageLength));
            return null;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return e;
        }
    }
}
