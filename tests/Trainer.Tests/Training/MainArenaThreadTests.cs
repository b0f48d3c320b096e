using KappaFace.MLNet.Trainer.Platform;
using KappaFace.MLNet.Trainer.Training;
using Xunit;

namespace KappaFace.MLNet.Trainer.Tests.Training;

/// <summary>
/// The training loop must allocate from glibc's main arena whatever thread calls the trainer: on other threads'
/// arenas every activation over 64 MiB is mapped afresh each step (docs/benchmarks.md, "Allocator").
/// </summary>
public class MainArenaThreadTests
{
    [SkippableFact]
    public async Task Training_called_from_a_pool_thread_steps_on_the_main_arena()
    {
        Skip.If(GlibcAllocatorTuning.CurrentThreadUsesMainArena() is null, "not glibc: arenas cannot be told apart");
        var arenas = new List<bool?>();
        var options = TrainingFixtures.TinyOptions(epochs: 1);
        var result = await Task.Run(() => new FaceModelTrainer(options).Train(
            TrainingFixtures.SmallSynthetic(), progress: new Inline(_ => arenas.Add(GlibcAllocatorTuning.CurrentThreadUsesMainArena()))));
        result.Backbone.Dispose();
        Assert.NotEmpty(arenas);
        Assert.All(arenas, a => Assert.True(a, "a training step ran on a thread outside glibc's main arena"));
    }

    [Fact]
    public async Task Results_and_exceptions_come_back_to_the_caller()
    {
        Assert.Equal(42, await Task.Run(() => MainArenaThread.Run(() => 42, _ => { })));
        var thrown = await Assert.ThrowsAsync<InvalidOperationException>(
            () => Task.Run(() => MainArenaThread.Run<int>(() => throw new InvalidOperationException("inner"), _ => { })));
        Assert.Equal("inner", thrown.Message);
    }

    private sealed class Inline(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
