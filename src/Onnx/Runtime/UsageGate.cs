namespace KappaFace.MLNet.Onnx.Runtime;

/// <summary>
/// Lets many threads use a resource at once and lets <see cref="Close"/> wait until they are done
/// before the resource is released; calls that start after closing throw
/// <see cref="ObjectDisposedException"/>.
/// </summary>
internal sealed class UsageGate(string ownerName)
{
    private int _active;
    private int _closed;

    /// <summary>Starts one use; dispose the returned lease to end it.</summary>
    public Lease Enter()
    {
        Interlocked.Increment(ref _active);
        if (Volatile.Read(ref _closed) != 0)
        {
            Interlocked.Decrement(ref _active);
            throw new ObjectDisposedException(ownerName);
        }

        return new Lease(this);
    }

    /// <summary>Refuses new uses and waits for current ones; returns false if already closed.</summary>
    public bool Close()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return false;
        }

        var spin = new SpinWait();
        while (Volatile.Read(ref _active) != 0)
        {
            spin.SpinOnce();
        }

        return true;
    }

    /// <summary>One use of the gate.</summary>
    public readonly struct Lease(UsageGate gate) : IDisposable
    {
        /// <summary>Ends the use.</summary>
        public void Dispose() => Interlocked.Decrement(ref gate._active);
    }
}
