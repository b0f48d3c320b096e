using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using KappaFace.MLNet.Cli.Output;
using KappaFace.MLNet.Onnx.Benchmarking;

namespace KappaFace.MLNet.Cli.Commands;

/// <summary>
/// <c>kappaface benchmark</c>: embedding throughput and batch latency of a model with the embedding
/// contract (<see cref="EmbeddingBenchmark"/>); JSON shape: docs/cli.md.
/// </summary>
internal static class BenchmarkCommand
{
    public static Command Create()
    {
        var defaults = new EmbeddingBenchmarkOptions();
        var model = new Option<FileInfo>("--model") { Description = "The ONNX embedding model.", Required = true };
        var batch = new Option<int>("--batch") { Description = "Images per run.", DefaultValueFactory = _ => defaults.Batch };
        var seconds = new Option<double>("--seconds") { Description = "Measuring time after one warm-up batch.", DefaultValueFactory = _ => defaults.Duration.TotalSeconds };
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime intra-op threads (0: one per physical core).", DefaultValueFactory = _ => 0 };
        var device = new Option<string>("--device") { Description = "ONNX Runtime device: cpu, auto, cuda or cuda:N.", DefaultValueFactory = _ => defaults.ExecutionProvider };
        var json = new Option<string?>("--json") { Description = "Write the result as JSON to FILE (- for stdout)." };
        var command = new Command("benchmark", "Measure a model's embedding throughput (images/s) and batch latency.")
        {
            model, batch, seconds, threads, device, json,
        };
        command.SetAction((parse, token) => CommandRunner.RunAsync(cancel =>
        {
            double duration = parse.GetValue(seconds);
            if (!double.IsFinite(duration) || duration < 0)
            {
                throw new ArgumentException($"--seconds must be a non-negative number of seconds, got {duration}.");
            }

            var options = defaults with
            {
                Batch = parse.GetValue(batch),
                Duration = TimeSpan.FromSeconds(duration),
                Threads = parse.GetValue(threads),
                ExecutionProvider = parse.GetValue(device)!,
            };
            var result = EmbeddingBenchmark.Run(parse.GetValue(model)!.FullName, options, cancellationToken: cancel);
            string? target = parse.GetValue(json);
            if (target is not null)
            {
                TrainingReportJson.Write(ToJson(result, parse.GetValue(model)!.ToString()), target);
            }

            if (target != "-")
            {
                Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{result.Model}: {result.ImagesPerSecond:F1} images/s at batch {result.Batch} on {result.Provider} " +
                    $"({(result.Threads == 0 ? "default" : result.Threads.ToString(CultureInfo.InvariantCulture))} threads, {result.Batches} batches in {result.Seconds:F1} s); " +
                    $"batch latency p50 {result.LatencyPercentile(50):F1} ms, p90 {result.LatencyPercentile(90):F1} ms, p99 {result.LatencyPercentile(99):F1} ms"));
            }

            return CommandRunner.Ok;
        }, token));
        return command;
    }

    /// <summary><c>{"imagesPerSecond", "batch", "threads", "latencyMs": {"p50", "p90", "p99"}, "model"}</c>, plus provider and batches.</summary>
    public static JsonObject ToJson(EmbeddingBenchmarkResult result, string model) => new()
    {
        ["imagesPerSecond"] = Math.Round(result.ImagesPerSecond, 2),
        ["batch"] = result.Batch,
        ["threads"] = result.Threads,
        ["latencyMs"] = new JsonObject
        {
            ["p50"] = Math.Round(result.LatencyPercentile(50), 2),
            ["p90"] = Math.Round(result.LatencyPercentile(90), 2),
            ["p99"] = Math.Round(result.LatencyPercentile(99), 2),
        },
        ["model"] = model,
        ["provider"] = result.Provider,
        ["batches"] = result.Batches,
    };
}
