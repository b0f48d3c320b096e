using KappaFace.MLNet.Trainer.Training.Checkpoints;
using Xunit;

namespace KappaFace.MLNet.Trainer.Tests.Training;

public sealed class CheckpointFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("kf-ckpt-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static List<KeyValuePair<string, byte[]>> Sections(byte fill) =>
        [new("a", [1, 2, 3, fill]), new("b", Enumerable.Repeat(fill, 1000).ToArray()), new("empty", [])];

    [Fact]
    public void Sections_round_trip()
    {
        string path = Path.Combine(_dir, "x.kfc");
        CheckpointFile.Write(path, Sections(9));
        var read = CheckpointFile.Read(path);
        Assert.Equal(new byte[] { 1, 2, 3, 9 }, read["a"]);
        Assert.Equal(1000, read["b"].Length);
        Assert.Empty(read["empty"]);
        Assert.False(File.Exists(path + ".tmp"));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(40)]
    [InlineData(500)]
    public void A_truncated_file_is_detected(int cut)
    {
        string path = Path.Combine(_dir, "x.kfc");
        CheckpointFile.Write(path, Sections(9));
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^cut]);
        var e = Assert.Throws<CheckpointCorruptException>(() => CheckpointFile.Read(path));
        Assert.Equal(path, e.Path);
    }

    [Fact]
    public void A_changed_byte_is_detected()
    {
        string path = Path.Combine(_dir, "x.kfc");
        CheckpointFile.Write(path, Sections(9));
        byte[] bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 0x40;
        File.WriteAllBytes(path, bytes);
        Assert.Contains("checksum", Assert.Throws<CheckpointCorruptException>(() => CheckpointFile.Read(path)).Message);
    }

    [Fact]
    public void A_file_that_is_not_a_checkpoint_is_rejected()
    {
        string path = Path.Combine(_dir, "x.kfc");
        File.WriteAllText(path, "this is not a checkpoint at all, just some text that is long enough");
        Assert.Throws<CheckpointCorruptException>(() => CheckpointFile.Read(path));
    }

    [Fact]
    public void The_store_keeps_the_newest_and_falls_back_past_a_damaged_one()
    {
        var store = new CheckpointStore(_dir, keep: 2);
        store.Save(5, Sections(5));
        store.Save(10, Sections(10));
        string newest = store.Save(15, Sections(15));
        Assert.Equal(2, store.List().Count);
        File.WriteAllBytes(newest, File.ReadAllBytes(newest)[..100]);

        var skipped = new List<CheckpointCorruptException>();
        var loaded = store.LoadNewestValid(skipped.Add);
        Assert.NotNull(loaded);
        Assert.Equal(10, loaded.Value.Sections["a"][3]);
        Assert.Single(skipped);
        Assert.Equal(newest, skipped[0].Path);
    }
}
