using System.Security.Cryptography;
using System.Text;

namespace KappaFace.MLNet.Trainer.Training.Checkpoints;

/// <summary>
/// A checkpoint on disk: named binary sections followed by a SHA-256 of everything before it.
/// Written to a temporary file in the same folder, flushed to the device (fsync), renamed over the
/// target (an atomic rename(2) on Unix) and the folder fsync'ed, so a crash at any point leaves either
/// the old file or the complete new one, plus at most a stray temporary file that readers ignore.
/// A truncated or altered file fails the checksum on reading.
/// </summary>
public static class CheckpointFile
{
    private static readonly byte[] Magic = "KFCKPT01"u8.ToArray();
    private const int HashLength = 32;

    /// <summary>The suffix of the temporary file a write goes through (<c>NAME.tmp</c> next to <c>NAME</c>).</summary>
    public const string TemporarySuffix = ".tmp";

    /// <summary>
    /// Writes <paramref name="sections"/> to <paramref name="path"/> atomically: when this returns, the new
    /// file is on the device under its final name; if the process dies first, <paramref name="path"/> is
    /// unchanged (absent or the previous complete file).
    /// </summary>
    public static void Write(string path, IReadOnlyList<KeyValuePair<string, byte[]>> sections)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(sections);
        path = Path.GetFullPath(path);
        // Same folder as the target: rename(2) is only atomic within one file system.
        string temp = path + TemporarySuffix;
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            using (var writer = new BinaryWriter(new HashingStream(stream, hash), Encoding.UTF8, leaveOpen: true))
            {
                writer.Write(Magic);
                writer.Write(sections.Count);
                foreach (var (name, bytes) in sections)
                {
                    writer.Write(name);
                    writer.Write((long)bytes.Length);
                    writer.Write(bytes);
                }
            }
            stream.Write(hash.GetHashAndReset());
            // fsync before the rename: otherwise a power cut could leave the new name on an empty file.
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
        // The rename lives in the folder's metadata; flush it too (best effort, see DirectorySync).
        DirectorySync.TryFlush(Path.GetDirectoryName(path)!);
    }

    /// <summary>Reads and verifies a checkpoint.</summary>
    /// <exception cref="CheckpointCorruptException">Truncated, altered, or not a checkpoint.</exception>
    public static Dictionary<string, byte[]> Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] all = File.ReadAllBytes(path);
        if (all.Length < Magic.Length + 4 + HashLength || !all.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            throw new CheckpointCorruptException(path, "not a KappaFace checkpoint (bad header or too short).");
        }
        int bodyLength = all.Length - HashLength;
        byte[] expected = SHA256.HashData(all.AsSpan(0, bodyLength));
        if (!expected.AsSpan().SequenceEqual(all.AsSpan(bodyLength)))
        {
            throw new CheckpointCorruptException(path, "checksum mismatch: the file is truncated or damaged.");
        }
        try
        {
            using var reader = new BinaryReader(new MemoryStream(all, Magic.Length, bodyLength - Magic.Length), Encoding.UTF8);
            int count = reader.ReadInt32();
            var sections = new Dictionary<string, byte[]>(count, StringComparer.Ordinal);
            for (int i = 0; i < count; i++)
            {
                string name = reader.ReadString();
                long length = reader.ReadInt64();
                sections[name] = reader.ReadBytes(checked((int)length));
            }
            return sections;
        }
        catch (Exception e) when (e is EndOfStreamException or OverflowException or IOException)
        {
            throw new CheckpointCorruptException(path, "section table is malformed.", e);
        }
    }

    /// <summary>Passes writes through to a stream while feeding them to a hash.</summary>
    private sealed class HashingStream(Stream inner, IncrementalHash hash) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            hash.AppendData(buffer);
            inner.Write(buffer);
        }
    }
}
