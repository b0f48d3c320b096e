using System.Runtime.InteropServices;

namespace KappaFace.MLNet.Trainer.Platform;

/// <summary>
/// Keeps glibc's malloc from returning every large tensor buffer to the kernel.
/// </summary>
/// <remarks>
/// By default glibc serves each allocation above 128 KiB-32 MiB (dynamic threshold) with a fresh
/// <c>mmap</c> and gives it back with <c>munmap</c>, so every training step page-faults all of its
/// activation memory in again. On this project's 2-core VMs that halved TorchSharp's training
/// throughput (docs/benchmarks.md, "Allocator"). Raising the mmap and trim thresholds to 1 GiB keeps
/// freed buffers in the heap for reuse, but only in glibc's main arena: threads other than the
/// process's first get arenas of 64 MiB heaps that map anything larger afresh whatever the threshold.
/// So the tuning also sets the arena count to 1 (<c>M_ARENA_MAX</c>), which makes threads started
/// afterwards share the existing arenas, and <see cref="MainArenaThread"/> runs the training loop on a
/// thread that verifiably uses the main one. Linux with glibc only; a no-op elsewhere (musl has no
/// <c>mallopt</c> parameters of this kind). Disable with the environment variable
/// <c>KAPPAFACE_MALLOC_TUNING=0</c> or <c>FaceTrainerOptions.TuneAllocator = false</c>.
/// </remarks>
public static partial class GlibcAllocatorTuning
{
    private const int MallocTrimThreshold = -1;  // M_TRIM_THRESHOLD
    private const int MallocMmapThreshold = -3;  // M_MMAP_THRESHOLD
    private const int MallocArenaMax = -8;       // M_ARENA_MAX
    private const int Threshold = 1 << 30;
    private static int s_applied;

    /// <summary>The environment variable that switches the tuning off when set to 0, false or off.</summary>
    public const string EnvironmentSwitch = "KAPPAFACE_MALLOC_TUNING";

    /// <summary>Whether the thresholds were raised and the arena count set in this process.</summary>
    public static bool IsApplied => Volatile.Read(ref s_applied) == 1;

    /// <summary>
    /// Raises glibc's mmap and trim thresholds and limits it to one arena, once per process. Returns a reason
    /// when it did nothing. Allocations made and threads started before the call keep their old behaviour,
    /// so call it before training starts.
    /// </summary>
    public static string? TryApply()
    {
        if (IsApplied)
        {
            return null;
        }
        if (!OperatingSystem.IsLinux())
        {
            return "not Linux";
        }
        string? setting = Environment.GetEnvironmentVariable(EnvironmentSwitch);
        if (setting is not null && (setting == "0" || setting.Equals("false", StringComparison.OrdinalIgnoreCase)
            || setting.Equals("off", StringComparison.OrdinalIgnoreCase)))
        {
            return $"switched off by {EnvironmentSwitch}={setting}";
        }
        try
        {
            // mallopt returns 1 on success, 0 on error.
            if (Mallopt(MallocMmapThreshold, Threshold) != 1 || Mallopt(MallocTrimThreshold, Threshold) != 1
                || Mallopt(MallocArenaMax, 1) != 1)
            {
                return "mallopt rejected the settings";
            }
        }
        catch (EntryPointNotFoundException)
        {
            return "the C library has no mallopt (not glibc)";
        }
        catch (DllNotFoundException)
        {
            return "libc not found";
        }
        Volatile.Write(ref s_applied, 1);
        return null;
    }

    /// <summary>
    /// Whether the calling thread allocates from glibc's main arena (the one that grows with <c>brk</c> and holds
    /// large freed blocks for reuse); null off glibc or when it cannot be told.
    /// </summary>
    /// <remarks>
    /// Reads the flags glibc keeps in the size word just before every block it hands out (malloc.c, "malloc_chunk
    /// details": bit 0x2 mmapped, bit 0x4 non-main arena). The probe's size is above the per-thread cache and the
    /// fast bins and far below any mmap threshold, so the block comes from the thread's own arena.
    /// </remarks>
    public static bool? CurrentThreadUsesMainArena()
    {
        const nuint probeBytes = 16 * 1024;
        const long mmapped = 0x2, nonMainArena = 0x4;
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }
        try
        {
            _ = GnuLibcVersion();
            IntPtr block = Malloc(probeBytes);
            if (block == IntPtr.Zero)
            {
                return null;
            }
            long flags = Marshal.ReadIntPtr(block, -IntPtr.Size).ToInt64();
            Free(block);
            return (flags & mmapped) != 0 ? null : (flags & nonMainArena) == 0;
        }
        catch (EntryPointNotFoundException)
        {
            return null;
        }
        catch (DllNotFoundException)
        {
            return null;
        }
    }

    [LibraryImport("libc", EntryPoint = "gnu_get_libc_version")]
    private static partial IntPtr GnuLibcVersion();

    [LibraryImport("libc", EntryPoint = "malloc")]
    private static partial IntPtr Malloc(nuint size);

    [LibraryImport("libc", EntryPoint = "free")]
    private static partial void Free(IntPtr block);

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int Mallopt(int parameter, int value);
}
