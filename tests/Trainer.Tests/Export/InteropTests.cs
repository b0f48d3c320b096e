using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using KappaFace.MLNet.Tests.Shared;
using KappaFace.MLNet.Trainer.Backbones;
using KappaFace.MLNet.Trainer.Export;
using Xunit;
using Xunit.Abstractions;

namespace KappaFace.MLNet.Trainer.Tests.Export;

/// <summary>
/// One exported model per backbone family, its test input and the TorchSharp eval-mode reference,
/// shared by the interop tests (each model is exported once).
/// </summary>
public sealed class InteropModels : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly Dictionary<string, Artefacts> _models = [];

    /// <summary>Images per test batch; batch 1 uses the first of them.</summary>
    public const int Count = 7;

    /// <summary>The model file, the raw float32 input file and the reference for a backbone.</summary>
    internal sealed record Artefacts(string ModelPath, string InputPath, int InputSize, EmbeddingBatch Expected);

    /// <summary>The test cases: a backbone name, or <c>tiny-operator</c> (PReLU written as the PRelu operator).</summary>
    public static TheoryData<string> Cases => ["tiny", "tiny-operator", "mobilefacenet", "iresnet18"];

    internal Artefacts Get(string name)
    {
        lock (_models)
        {
            if (!_models.TryGetValue(name, out var artefacts))
            {
                var kind = BackboneFactory.Parse(name.Split('-')[0]);
                // Small inputs keep the tests fast; 64 keeps MobileFaceNet's GDC kernel (4x4) non-trivial.
                int size = kind == BackboneKind.MobileFaceNet ? 64 : 32;
                using var backbone = ExportTestKit.Backbone(kind, size, embeddingSize: 32);
                byte[] images = ExportTestKit.Images(Count, size, seed: 23);
                string model = Path.Combine(_folder.Path, name + ".onnx");
                var options = new OnnxExportOptions { PReluAsOperator = name.EndsWith("-operator", StringComparison.Ordinal) };
                OnnxExporter.Export(backbone, ModelCardAssembler.ForBackbone(backbone), model, options);
                string input = Path.Combine(_folder.Path, name + ".input.bin");
                File.WriteAllBytes(input, MemoryMarshal.AsBytes(ExportTestKit.AsFloats(images).AsSpan()).ToArray());
                artefacts = new Artefacts(model, input, size, ExportTestKit.TorchReference(backbone, images, Count));
                _models[name] = artefacts;
            }

            return artefacts;
        }
    }

    public void Dispose() => _folder.Dispose();
}

/// <summary>
/// The exported file against other tools (the guarantees of docs/onnx-model.md): Debian's python3-onnx
/// full checker, onnxruntime-node and OpenCV 4.6 DNN (python3-opencv) give the TorchSharp outputs
/// within 1e-4 at batch 1 and 7. Each test skips with a reason when its tool is absent;
/// <c>.ci/install-interop.sh</c> installs them.
/// </summary>
public class InteropTests(InteropModels models, ITestOutputHelper output) : IClassFixture<InteropModels>
{
    private const string CheckerScript = """
        import sys
        import onnx
        model = onnx.load(sys.argv[1])
        onnx.checker.check_model(model, full_check=True)
        inferred = onnx.shape_inference.infer_shapes(model, check_type=True, strict_mode=True)
        dims = lambda v: [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]
        print(";".join(f"{o.name}={dims(o)}" for o in inferred.graph.output))
        """;

    private const string NodeScript = """
        const ort = require('onnxruntime-node');
        const fs = require('fs');
        const [model, inputPath, n, s] = process.argv.slice(2);
        const N = Number(n), S = Number(s), per = 3 * S * S;
        // Copy into a fresh buffer: a Node Buffer's offset need not be 4-byte aligned.
        const all = new Float32Array(new Uint8Array(fs.readFileSync(inputPath)).buffer);
        (async () => {
          const session = await ort.InferenceSession.create(model);
          const result = {};
          for (const count of [1, N]) {
            const input = new ort.Tensor('float32', all.slice(0, count * per), [count, 3, S, S]);
            const out = await session.run({ input });
            result[count] = { embedding: Array.from(out.embedding.data), norm: Array.from(out.embedding_norm.data),
                              dims: out.embedding.dims.map(Number) };
          }
          process.stdout.write(JSON.stringify(result));
        })().catch(e => { console.error(String(e)); process.exit(1); });
        """;

    private const string OpenCvScript = """
        import json, sys
        import numpy as np
        import cv2
        model, path, n, s = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
        x = np.fromfile(path, dtype=np.float32).reshape(n, 3, s, s)
        net = cv2.dnn.readNetFromONNX(model)
        net.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV)
        net.setPreferableTarget(cv2.dnn.DNN_TARGET_CPU)
        unconnected = list(net.getUnconnectedOutLayersNames())
        # embedding_norm also feeds the Div, so OpenCV does not list it as an output; ask for it by name.
        names = unconnected + [n for n in ["embedding_norm"] if n not in unconnected and net.getLayerId(n) >= 0]
        result = {"version": cv2.__version__, "outputs": unconnected}
        for count in (1, n):
            net.setInput(np.ascontiguousarray(x[:count]))
            outs = net.forward(names)
            result[str(count)] = {name: np.asarray(o, dtype=np.float64).reshape(count, -1).flatten().tolist() for name, o in zip(names, outs)}
        print(json.dumps(result))
        """;

    [SkippableTheory]
    [MemberData(nameof(InteropModels.Cases), MemberType = typeof(InteropModels))]
    public void Python_onnx_full_checker_accepts_the_export(string kind)
    {
        Skip.If(InteropTools.PythonWithOnnx is null, "python3-onnx is not installed (Debian package python3-onnx); " + InteropTools.InstallHint);
        var model = models.Get(kind);
        var (code, stdout, stderr) = InteropTools.Run(InteropTools.PythonWithOnnx!, ["-c", CheckerScript, model.ModelPath]);
        Assert.True(code == 0, "onnx.checker rejected the model: " + stderr);
        output.WriteLine(stdout);
        Assert.Equal("embedding=['batch', 32];embedding_norm=['batch', 1]", stdout.Trim());
    }

    [SkippableTheory]
    [MemberData(nameof(InteropModels.Cases), MemberType = typeof(InteropModels))]
    public void Onnxruntime_node_gives_the_torchsharp_outputs(string kind)
    {
        Skip.If(InteropTools.NodeModules is null, "onnxruntime-node (npm) or node is not installed; " + InteropTools.InstallHint);
        var model = models.Get(kind);
        string script = Path.Combine(Path.GetDirectoryName(model.ModelPath)!, "run-ort-node.js");
        File.WriteAllText(script, NodeScript);
        var (code, stdout, stderr) = InteropTools.Run(
            "node",
            [script, model.ModelPath, model.InputPath, Num(InteropModels.Count), Num(model.InputSize)],
            new Dictionary<string, string?> { ["NODE_PATH"] = InteropTools.NodeModules });
        Assert.True(code == 0, "onnxruntime-node failed: " + stderr);

        using var json = JsonDocument.Parse(stdout);
        foreach (int count in new[] { 1, InteropModels.Count })
        {
            var run = json.RootElement.GetProperty(Num(count));
            Assert.Equal(new[] { count, 32 }, run.GetProperty("dims").EnumerateArray().Select(e => e.GetInt32()));
            var actual = new EmbeddingBatch(count, 32, Floats(run.GetProperty("embedding")), Floats(run.GetProperty("norm")));
            AssertClose($"onnxruntime-node {kind} batch {count}", model.Expected.Slice(0, count), actual, normsCompared: true);
        }
    }

    [SkippableTheory]
    [MemberData(nameof(InteropModels.Cases), MemberType = typeof(InteropModels))]
    public void OpenCv_dnn_gives_the_torchsharp_outputs(string kind)
    {
        Skip.If(InteropTools.PythonWithOpenCv is null, "OpenCV for Python is not installed (Debian package python3-opencv); " + InteropTools.InstallHint);
        var model = models.Get(kind);
        var (code, stdout, stderr) = InteropTools.Run(
            InteropTools.PythonWithOpenCv!, ["-c", OpenCvScript, model.ModelPath, model.InputPath, Num(InteropModels.Count), Num(model.InputSize)]);
        Assert.True(code == 0, "OpenCV DNN failed: " + stderr);

        using var json = JsonDocument.Parse(stdout);
        var root = json.RootElement;
        var outputs = root.GetProperty("outputs").EnumerateArray().Select(e => e.GetString()!).ToArray();
        output.WriteLine($"OpenCV {root.GetProperty("version").GetString()} outputs: {string.Join(", ", outputs)}");
        Assert.Contains("embedding", outputs);
        foreach (int count in new[] { 1, InteropModels.Count })
        {
            var run = root.GetProperty(Num(count));
            // OpenCV 4.6 fuses ReduceL2 + Div into one normalisation layer, so embedding_norm has no layer
            // to read (docs/onnx-model.md, Contract); it is compared only where a version offers it.
            bool hasNorm = run.TryGetProperty("embedding_norm", out var norm);
            var actual = new EmbeddingBatch(count, 32, Floats(run.GetProperty("embedding")), hasNorm ? Floats(norm) : model.Expected.Slice(0, count).Norms);
            AssertClose($"OpenCV DNN {kind} batch {count}", model.Expected.Slice(0, count), actual, hasNorm);
        }
    }

    private void AssertClose(string what, EmbeddingBatch expected, EmbeddingBatch actual, bool normsCompared)
    {
        var (embedding, norm) = expected.MaxAbsDiff(actual);
        output.WriteLine($"{what}: max|diff| embedding {embedding:E2}" + (normsCompared ? $", norm {norm:E2}" : " (norm not exposed)"));
        Assert.True(embedding <= ExportTestKit.Tolerance, $"{what}: embedding differs by {embedding}");
        Assert.True(norm <= ExportTestKit.Tolerance, $"{what}: norm differs by {norm}");
    }

    private static float[] Floats(JsonElement array) => array.EnumerateArray().Select(e => (float)e.GetDouble()).ToArray();

    private static string Num(int value) => value.ToString(CultureInfo.InvariantCulture);
}
