using System.Runtime.ExceptionServices;

namespace KappaFace.MLNet.Trainer.Platform;

/// <summary>
/// Runs work on a thread that allocates from glibc's main malloc arena, where large freed tensor buffers are
/// reused instead of being unmapped and faulted in again on every training step.
/// </summary>
/// <remarks>
/// glibc gives threads other than the process's first their own arenas, built of 64 MiB heaps; any allocation
/// larger than one heap is a fresh <c>mmap</c>, returned with <c>munmap</c> when freed, whatever the mmap
/// threshold (glibc malloc/arena.c, <c>HEAP_MAX_SIZE</c>; malloc.c, <c>sysmalloc</c>). A training step of
/// MobileFaceNet at batch 64 has several activations that large, so a step run on a thread-pool thread paid
/// tens of thousands of page faults (docs/benchmarks.md, "Allocator"). A thread keeps its arena for life, so a
/// thread already bound to another arena cannot be moved; new threads started after
/// <see cref="GlibcAllocatorTuning.TryApply"/> (arena count 1) share the existing arenas in turn, and this
/// class starts them until one reports the main arena. The threads that did not are kept waiting until the
/// search ends, so that their arenas are not handed straight back to the next new thread.
/// </remarks>
public static class MainArenaThread
{
    /// <summary>New threads tried before giving up; each is one step of glibc's round over its arenas.</summary>
    public const int MaxAttempts = 64;

    /// <summary>
    /// Runs <paramref name="work"/> on the calling thread when it uses the main arena (or when that cannot be
    /// told), otherwise on a new thread found on the main arena, and returns its result; exceptions are rethrown
    /// on the calling thread with their original stack trace. <paramref name="log"/> hears when no such thread
    /// was found (the work then runs on the calling thread).
    /// </summary>
    public static T Run<T>(Func<T> work, Action<string> log)
    {
        ArgumentNullException.ThrowIfNull(work);
        ArgumentNullException.ThrowIfNull(log);
        if (GlibcAllocatorTuning.CurrentThreadUsesMainArena() is not false)
        {
            return work();
        }
        var finder = new Search();
        try
        {
            for (int attempt = 1; attempt <= MaxAttempts; attempt++)
            {
                if (finder.TryThread(work) is { } found)
                {
                    return found.Result();
                }
            }
        }
        finally
        {
            finder.Release();
        }
        log($"No thread on glibc's main malloc arena after {MaxAttempts} attempts; training on the calling thread (large tensors will be mapped afresh each step).");
        return work();
    }

    /// <summary>The threads started by one search: the rejected ones wait on a shared signal until it ends.</summary>
    private sealed class Search
    {
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Outcome<T>? TryThread<T>(Func<T> work)
        {
            var outcome = new Outcome<T>();
            var verdict = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            var thread = new Thread(() =>
            {
                bool onMain = GlibcAllocatorTuning.CurrentThreadUsesMainArena() == true;
                verdict.SetResult(onMain);
                if (onMain)
                {
                    outcome.Capture(work);
                }
                else
                {
                    _release.Task.Wait();
                }
            })
            {
                IsBackground = true,
                Name = "KappaFace main-arena worker",
            };
            thread.Start();
            if (!verdict.Task.Result)
            {
                return null;
            }
            thread.Join();
            return outcome;
        }

        public void Release() => _release.TrySetResult();
    }

    private sealed class Outcome<T>
    {
        private T? _value;
        private ExceptionDispatchInfo? _error;

        public void Capture(Func<T> work)
        {
            try
            {
                _value = work();
            }
#pragma warning disable CA1031 // Every exception is carried back to the calling thread and rethrown there.
            catch (Exception e)
#pragma warning restore CA1031
            {
                _error = ExceptionDispatchInfo.Capture(e);
            }
        }

        public T Result()
        {
            _error?.Throw();
            return _value!;
        }
    }
}
