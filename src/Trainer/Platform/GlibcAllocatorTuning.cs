using System.Runtime.InteropServices;

namespace KappaFace.MLNet.Trainer.Platform;

/// <summary>
/// Keeps glibc's malloc from returning every large tensor buffer to the kernel.
/// </summary>
/// <remarks>
/// By default glibc serves each allocation above 128 KiB-32 MiB (dynamic threshold) with a fresh
/// <c>mmap</c> and gives it back with <c>munmap</c>, so every training step page-faults all of its
/// activation memory in again. On this project's 2-core VMs that halved TorchSharp's training
/// throughput (design.md section 8: MobileFaceNet 16 vs 37-41 images/s). Raising the mmap and trim
/// thresholds to 1 GiB keeps freed buffers in the heap for reuse. Linux with glibc only; a no-op
/// elsewhere (musl has no <c>mallopt</c> parameters of this kind). Disable with the environment
/// variable <c>KAPPAFACE_MALLOC_TUNING=0</c> or <c>FaceTrainerOptions.TuneAllocator = false</c>.
/// </remarks>
public static partial class GlibcAllocatorTuning
{
    private const int MallocTrimThreshold = -1;  // M_TRIM_THRESHOLD
    private const int MallocMmapThreshold = -3;  // M_MMAP_THRESHOLD
    private const int Threshold = 1 << 30;
    private static int s_applied;

    /// <summary>The environment variable that switches the tuning off when set to 0, false or off.</summary>
    public const string EnvironmentSwitch = "KAPPAFACE_MALLOC_TUNING";

    /// <summary>Whether the thresholds were raised in this process.</summary>
    public static bool IsApplied => Volatile.Read(ref s_applied) == 1;

    /// <summary>
    /// Raises glibc's mmap and trim thresholds once per process. Returns a reason when it did nothing.
    /// Allocations made before the call keep their old behaviour, so call it before training starts.
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
            if (Mallopt(MallocMmapThreshold, Threshold) != 1 || Mallopt(MallocTrimThreshold, Threshold) != 1)
            {
                return "mallopt rejected the thresholds";
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

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int Mallopt(int parameter, int value);
}
