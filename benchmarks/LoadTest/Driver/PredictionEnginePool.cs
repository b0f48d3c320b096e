using System.Collections.Concurrent;
using Microsoft.ML;

namespace KappaFace.MLNet.LoadTesting;

/// <summary>
/// Lends <see cref="PredictionEngine{TSrc, TDst}"/> instances to concurrent callers: an engine is not
/// thread-safe but costs a model compile to build, so idle ones are reused and a new one is made only
/// when every engine is busy (at most one per concurrent caller).
/// </summary>
internal sealed class PredictionEnginePool<TSrc, TDst> : IDisposable
    where TSrc : class
    where TDst : class, new()
{
    private readonly ConcurrentBag<PredictionEngine<TSrc, TDst>> _idle = [];
    private readonly Func<PredictionEngine<TSrc, TDst>> _create;
    private int _created;
    private bool _disposed;

    public PredictionEnginePool(Func<PredictionEngine<TSrc, TDst>> create)
    {
        ArgumentNullException.ThrowIfNull(create);
        _create = create;
    }

    /// <summary>Engines built so far (the peak number of concurrent callers).</summary>
    public int Created => Volatile.Read(ref _created);

    /// <summary>Predicts with an idle engine, or a new one when all are busy.</summary>
    public TDst Predict(TSrc example)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_idle.TryTake(out var engine))
        {
            engine = _create();
            Interlocked.Increment(ref _created);
        }
        try
        {
            return engine.Predict(example);
        }
        finally
        {
            _idle.Add(engine);
        }
    }

    /// <summary>Disposes the idle engines; call once no thread is predicting.</summary>
    public void Dispose()
    {
        _disposed = true;
        while (_idle.TryTake(out var engine))
        {
            engine.Dispose();
        }
    }
}
