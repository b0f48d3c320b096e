using System.Runtime.InteropServices;

namespace KappaFace.MLNet.Trainer.Training.Checkpoints;

/// <summary>
/// Flushes a folder's entries (names created, renamed or removed in it) to the storage device.
/// </summary>
/// <remarks>
/// On Linux and macOS a rename is atomic but lives in the folder's metadata: until the folder itself is
/// fsync'ed, a power cut can bring back the old name even though the renamed file's data was flushed.
/// .NET has no API for that (a folder cannot be opened as a <see cref="FileStream"/>), hence the
/// P/Invoke. Windows has no equivalent call for folders and NTFS journals renames, so it is a no-op
/// there. Best effort: a file system that refuses fsync on folders (some network mounts) is not an
/// error, because the rename itself has already happened; callers only lose the power-cut guarantee.
/// </remarks>
internal static partial class DirectorySync
{
    // O_DIRECTORY is left out: a folder opens read-only without it, and its value differs between Linux
    // architectures (0x10000 on x64 is O_DIRECT on arm64, which folders refuse).
    private const int ReadOnly = 0;                  // O_RDONLY
    private const int LinuxCloseOnExec = 0x80000;    // O_CLOEXEC on Linux (all architectures .NET runs on)
    private const int MacCloseOnExec = 0x1000000;    // O_CLOEXEC on macOS

    /// <summary>Fsyncs <paramref name="directory"/>. Returns false when the platform or file system does not allow it.</summary>
    public static bool TryFlush(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        int flags;
        if (OperatingSystem.IsLinux())
        {
            // Close-on-exec: a child process started meanwhile must not inherit the descriptor.
            flags = ReadOnly | LinuxCloseOnExec;
        }
        else if (OperatingSystem.IsMacOS())
        {
            flags = ReadOnly | MacCloseOnExec;
        }
        else
        {
            return false;
        }
        try
        {
            int fd = Open(directory, flags);
            if (fd < 0)
            {
                return false;
            }
            try
            {
                return Fsync(fd) == 0;
            }
            finally
            {
                _ = Close(fd);
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync")]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
