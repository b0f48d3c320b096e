using System.Runtime.InteropServices;

namespace KappaFace.MLNet.Benchmarks.PeerComparison;

/// <summary>
/// Gives the heap's free memory back to the kernel. With the library's allocator tuning (trim threshold 1 GiB)
/// glibc keeps the freed activations of our in-process run, ~9 GB for IResNet-50 at batch 64, and the PyTorch
/// child that runs next then ran this machine out of memory (the kernel killed the benchmark).
/// </summary>
internal static partial class HeapTrim
{
    /// <summary>Whether memory was released (false off glibc, or when nothing could be given back).</summary>
    public static bool Run()
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }
        try
        {
            return MallocTrim(0) == 1;
        }
        catch (EntryPointNotFoundException)
        {
            // Not glibc: nothing is held back the same way.
            return false;
        }
    }

    [LibraryImport("libc", EntryPoint = "malloc_trim")]
    private static partial int MallocTrim(nuint pad);
}
