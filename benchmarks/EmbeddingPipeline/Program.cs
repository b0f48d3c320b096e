using System.Diagnostics;
using System.Globalization;
using KappaFace.MLNet.Onnx;
using KappaFace.MLNet.Trainer.Backbones;
using KappaFace.MLNet.Trainer.Export;
using KappaFace.MLNet.Transforms;
using Microsoft.ML;
using Microsoft.ML.Data;

// Embedding throughput of the ML.NET path (ApplyFaceEmbedding on a pixel-vector column) against the raw
// FaceEmbedder (ONNX Runtime) on the same model, at batch 1 and batch 32, in one process.
// Usage: dotnet run -c Release --project benchmarks/EmbeddingPipeline -- [--model M.onnx] [--backbone mobilefacenet]
//        [--size 112] [--seconds 3] [--rounds 5]
// Without --model an untrained backbone is exported (weights do not change the cost). Both paths get the
// same pixels (no decoding or resizing) and ONNX Runtime's default thread settings. Batch 1: one
// FaceEmbedder.Embed call per image vs one PredictionEngine.Predict per row. Batch 32: one Embed call per
// 32 images vs Transform + cursor over a 32-row IDataView (ML.NET's ApplyOnnxModel runs rows one at a time).
// Configurations run interleaved, round by round; the median round is reported, as timings on this shared
// machine drift between runs (compare ratios within one run).
string? modelPath = null;
var backbone = BackboneKind.MobileFaceNet;
int size = 112, rounds = 5;
double seconds = 3;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--model": modelPath = args[++i]; break;
        case "--backbone": backbone = BackboneFactory.Parse(args[++i]); break;
        case "--size": size = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--seconds": seconds = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--rounds": rounds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        default: throw new ArgumentException($"Unknown argument '{args[i]}'.");
    }
}

string? exported = null;
if (modelPath is null)
{
    exported = Path.Combine(Path.GetTempPath(), $"kappaface-bench-{Guid.NewGuid():N}.onnx");
    TorchSharp.torch.manual_seed(1);
    using var net = BackboneFactory.Create(backbone, size, 512);
    net.eval();
    OnnxExporter.Export(net, ModelCardAssembler.ForBackbone(net), exported);
    modelPath = exported;
}

try
{
    using var embedder = FaceEmbedder.Open(modelPath, new FaceEmbedderOptions { ExecutionProvider = "cpu", MaxBatch = 32 });
    size = embedder.InputSize;
    int perImage = ModelContract.Channels * size * size;
    const int Batch = 32;
    var random = new Random(1);
    var pixels = new float[Batch * perImage];
    for (int k = 0; k < pixels.Length; k++)
    {
        pixels[k] = random.Next(256);
    }

    var rows = Enumerable.Range(0, Batch).Select(r => new PixelRow { Pixels = pixels.AsSpan(r * perImage, perImage).ToArray() }).ToArray();
    var ml = new MLContext(seed: 1);
    var inputSchema = SchemaDefinition.Create(typeof(PixelRow));
    inputSchema[nameof(PixelRow.Pixels)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, perImage);
    IDataView batchView = ml.Data.LoadFromEnumerable(rows, inputSchema);
    var model = ml.Transforms.ApplyFaceEmbedding(nameof(EmbeddingRow.Embedding), nameof(PixelRow.Pixels), modelPath).Fit(batchView);
    using var engine = ml.Model.CreatePredictionEngine<PixelRow, EmbeddingRow>(model, inputSchemaDefinition: inputSchema);

    // Same model, same pixels: the two paths must agree before their speed is compared.
    float[] viaMlNet = engine.Predict(rows[0]).Embedding;
    var raw = embedder.Embed(pixels.AsSpan(0, perImage), 1).GetEmbedding(0).ToArray();
    double maxDifference = viaMlNet.Zip(raw, (a, b) => Math.Abs(a - b)).Max();
    if (viaMlNet.Length != raw.Length || maxDifference > 1e-4)
    {
        throw new InvalidOperationException($"The paths disagree: max |difference| {maxDifference}.");
    }

    var cases = new (string Name, int RowsPerCall, Action Call)[]
    {
        ("FaceEmbedder (raw ORT)", 1, () => embedder.Embed(pixels.AsSpan(0, perImage), 1)),
        ("ApplyFaceEmbedding (PredictionEngine)", 1, () => engine.Predict(rows[0])),
        ("FaceEmbedder (raw ORT)", Batch, () => embedder.Embed(pixels, Batch)),
        ("ApplyFaceEmbedding (Transform + cursor)", Batch, () => Consume(model.Transform(batchView))),
    };
    foreach (var c in cases)
    {
        for (int w = 0; w < 3; w++)
        {
            c.Call();  // warm-up: session, allocations, JIT
        }
    }

    var rates = cases.Select(_ => new List<double>()).ToArray();
    for (int round = 0; round < rounds; round++)
    {
        for (int c = 0; c < cases.Length; c++)
        {
            var watch = Stopwatch.StartNew();
            long done = 0;
            while (watch.Elapsed.TotalSeconds < seconds)
            {
                cases[c].Call();
                done += cases[c].RowsPerCall;
            }

            rates[c].Add(done / watch.Elapsed.TotalSeconds);
        }
    }

    double Median(int c) => rates[c].Order().ElementAt(rates[c].Count / 2);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"model {Path.GetFileName(exported is null ? modelPath : backbone.ToString())} {size}x{size}, D={embedder.EmbeddingSize}, {Environment.ProcessorCount} cores, {rounds} rounds x {seconds} s, max |ML.NET - raw| {maxDifference:E1}"));
    Console.WriteLine("| batch | path | rows/s (median) | rows/s (min..max) | raw / ML.NET |");
    Console.WriteLine("|---:|---|---:|---:|---:|");
    for (int c = 0; c < cases.Length; c++)
    {
        int rawCase = c - (c % 2);
        string ratio = c % 2 == 1 ? (Median(rawCase) / Median(c)).ToString("F2", CultureInfo.InvariantCulture) + "x" : "";
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {cases[c].RowsPerCall} | {cases[c].Name} | {Median(c):F1} | {rates[c].Min():F1}..{rates[c].Max():F1} | {ratio} |"));
    }

    double batchOneRatio = Median(0) / Median(1);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"batch 1: ML.NET takes {batchOneRatio:F2}x the raw time per row (limit 1.25x): {(batchOneRatio <= 1.25 ? "PASS" : "FAIL")}"));
    return batchOneRatio <= 1.25 ? 0 : 2;
}
finally
{
    if (exported is not null)
    {
        File.Delete(exported);
    }
}

static void Consume(IDataView view)
{
    using var cursor = view.GetRowCursor(view.Schema.Where(c => c.Name == nameof(EmbeddingRow.Embedding)));
    var getter = cursor.GetGetter<VBuffer<float>>(view.Schema[nameof(EmbeddingRow.Embedding)]);
    VBuffer<float> value = default;
    while (cursor.MoveNext())
    {
        getter(ref value);
    }
}

/// <summary>One image as raw pixels (3 x H x H, RGB planes, 0..255).</summary>
internal sealed class PixelRow
{
    /// <summary>The pixels; the column's fixed size is set through a schema definition.</summary>
    public float[] Pixels { get; set; } = [];
}

/// <summary>The ML.NET path's output.</summary>
internal sealed class EmbeddingRow
{
    /// <summary>The embedding (D floats).</summary>
    public float[] Embedding { get; set; } = [];
}
