using KappaFace.MLNet.Trainer.Training.Checkpoints;
using Xunit;

namespace KappaFace.MLNet.Trainer.Tests.Training;

/// <summary>
/// What a writer killed part-way leaves behind (a partial temporary file) must never be loaded, must not
/// hide the previous checkpoint, and is cleaned up by the next save. (The real kill -9 test is in Cli.Tests.)
/// </summary>
public sealed class CheckpointCrashSafetyTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("kf-crash-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static List<KeyValuePair<string, byte[]>> Sections(byte fill) =>
        [new("a", [fill]), new("b", Enumerable.Repeat(fill, 5000).ToArray())];

    [Fact]
    public void A_write_killed_before_the_rename_leaves_the_previous_checkpoint_loadable()
    {
        var store = new CheckpointStore(_dir, keep: 3);
        string good = store.Save(4, Sections(4));
        // What a kill mid-write of step 5 leaves: the first bytes of a valid file under the temp name.
        string next = Path.Combine(_dir, "checkpoint-0000000005.kfc");
        CheckpointFile.Write(next + ".full", Sections(5));
        byte[] full = File.ReadAllBytes(next + ".full");
        File.Delete(next + ".full");
        File.WriteAllBytes(next + CheckpointFile.TemporarySuffix, full[..(full.Length / 3)]);

        Assert.Equal([good], store.List());
        var skipped = new List<CheckpointCorruptException>();
        var loaded = store.LoadNewestValid(skipped.Add);
        Assert.Equal(good, loaded?.Path);
        Assert.Equal(4, loaded!.Value.Sections["a"][0]);
        Assert.Empty(skipped);
    }

    [Fact]
    public void The_next_save_deletes_stray_temporary_files_and_keeps_other_files()
    {
        var store = new CheckpointStore(_dir, keep: 3);
        string strayOld = Path.Combine(_dir, "checkpoint-0000000002.kfc" + CheckpointFile.TemporarySuffix);
        string strayNext = Path.Combine(_dir, "checkpoint-0000000009.kfc" + CheckpointFile.TemporarySuffix);
        string unrelated = Path.Combine(_dir, "notes.tmp");
        foreach (string path in new[] { strayOld, strayNext, unrelated })
        {
            File.WriteAllBytes(path, [1, 2, 3]);
        }
        Assert.Equal(2, store.StrayTemporaryFiles().Count);

        store.Save(3, Sections(3));

        Assert.Empty(store.StrayTemporaryFiles());
        Assert.False(File.Exists(strayOld) || File.Exists(strayNext));
        Assert.True(File.Exists(unrelated), "only the store's own temporary files may be deleted");
    }

    [Fact]
    public void Only_step_numbered_files_are_checkpoints_and_their_step_is_read_from_the_name()
    {
        var store = new CheckpointStore(_dir, keep: 5);
        string seven = store.Save(7, Sections(7));
        string twelve = store.Save(12, Sections(12));
        File.WriteAllBytes(Path.Combine(_dir, "checkpoint-latest.kfc"), [1]);
        File.WriteAllBytes(Path.Combine(_dir, "checkpoint-.kfc"), [1]);

        Assert.Equal([twelve, seven], store.List());
        Assert.Equal(12, CheckpointStore.StepOf(twelve));
        Assert.Equal(7, CheckpointStore.StepOf(Path.GetFileName(seven)));
        Assert.Null(CheckpointStore.StepOf("checkpoint-latest.kfc"));
        Assert.Null(CheckpointStore.StepOf(twelve + CheckpointFile.TemporarySuffix));
    }

    [Fact]
    public void A_write_replaces_the_file_whole_and_leaves_no_temporary_file()
    {
        string path = Path.Combine(_dir, "x.kfc");
        CheckpointFile.Write(path, Sections(1));
        CheckpointFile.Write(path, Sections(2));

        Assert.Equal(2, CheckpointFile.Read(path)["b"][4999]);
        Assert.Equal(["x.kfc"], Directory.EnumerateFiles(_dir).Select(Path.GetFileName));
    }

    [Fact]
    public void The_folder_can_be_flushed_where_the_platform_allows_it()
    {
        // Linux and macOS have fsync on folders; elsewhere the call reports that it did nothing.
        Assert.Equal(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS(), DirectorySync.TryFlush(_dir));
        Assert.False(DirectorySync.TryFlush(Path.Combine(_dir, "missing")));
    }
}
