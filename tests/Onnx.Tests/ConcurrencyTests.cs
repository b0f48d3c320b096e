using System.Diagnostics;

namespace KappaFace.MLNet.Onnx.Tests;

public class ConcurrencyTests
{
    [Fact]
    public void Eight_threads_for_two_seconds_give_single_threaded_results()
    {
        using var dir = new TempDir();
        using var embedder = FaceEmbedder.Open(
            TinyModel.Create().Save(dir), new FaceEmbedderOptions { ExecutionProvider = "cpu", MaxBatch = 4 });

        // Several batches of different sizes (some split by MaxBatch), computed single-threaded first.
        int[] sizes = [1, 3, 4, 6, 9];
        var inputs = sizes.Select((n, i) => (Count: n, Pixels: TinyModel.Images(n, seed: 100 + i))).ToArray();
        var expected = inputs.Select(b => embedder.Embed(b.Pixels, b.Count)).ToArray();

        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var calls = new int[8];
        var clock = Stopwatch.StartNew();
        var threads = Enumerable.Range(0, 8).Select(t => new Thread(() =>
        {
            var k = t;
            while (clock.Elapsed < TimeSpan.FromSeconds(2))
            {
                var which = k++ % inputs.Length;
                var got = embedder.Embed(inputs[which].Pixels, inputs[which].Count);
                if (!got.Vectors.Span.SequenceEqual(expected[which].Vectors.Span)
                    || !got.Norms.Span.SequenceEqual(expected[which].Norms.Span))
                {
                    failures.Enqueue($"thread {t} batch {which}");
                }

                calls[t]++;
            }
        })).ToArray();

        foreach (var thread in threads)
        {
            thread.Start();
        }

        foreach (var thread in threads)
        {
            thread.Join();
        }

        Assert.Empty(failures);
        Assert.All(calls, c => Assert.True(c > 0, "every thread must have run"));
        Assert.True(calls.Sum() >= 8 * inputs.Length, $"too few calls to mean anything: {calls.Sum()}");
    }
}
