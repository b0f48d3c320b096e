using System.Text.Json;

namespace KappaFace.MLNet.Onnx.Tests;

/// <summary>
/// Cross-checks with the reference implementation (Debian's python3-onnx) when installed: our files
/// pass its full checker and read back with the same values; files it writes parse with our schema.
/// </summary>
public class PythonOnnxTests
{
    private const string CheckScript = """
        import json, sys
        import onnx
        from onnx import numpy_helper
        m = onnx.load(sys.argv[1])
        onnx.checker.check_model(m, full_check=True)
        def dims(v):
            return [d.dim_param if d.HasField("dim_param") else d.dim_value for d in v.type.tensor_type.shape.dim]
        def attr(a):
            v = onnx.helper.get_attribute_value(a)
            return v.decode() if isinstance(v, bytes) else (list(v) if not isinstance(v, (int, float)) else v)
        print(json.dumps({
            "ir": m.ir_version,
            "opsets": {o.domain: o.version for o in m.opset_import},
            "producer": [m.producer_name, m.producer_version],
            "metadata": {p.key: p.value for p in m.metadata_props},
            "inputs": {v.name: dims(v) for v in m.graph.input},
            "outputs": {v.name: dims(v) for v in m.graph.output},
            "nodes": [[n.op_type, list(n.input), list(n.output), {a.name: attr(a) for a in n.attribute}] for n in m.graph.node],
            "conv_weight": numpy_helper.to_array([t for t in m.graph.initializer if t.name == "conv.weight"][0]).flatten().tolist(),
        }))
        """;

    [SkippableFact]
    public void Built_model_passes_the_onnx_checker_and_reads_back_the_same()
    {
        Skip.IfNot(PythonOnnx.Available, PythonOnnx.MissingReason);
        using var dir = new TempDir();
        var model = TinyModel.Create();
        var card = TinyModel.Card().WithThreshold(0.3, 1e-3, "test");
        var path = model.Save(dir, card: card);

        var code = PythonOnnx.Run(CheckScript, out var stdout, out var stderr, path);
        Assert.True(code == 0, "onnx.checker failed: " + stderr);
        using var json = JsonDocument.Parse(stdout);
        var root = json.RootElement;
        Assert.Equal(8, root.GetProperty("ir").GetInt32());
        Assert.Equal(13, root.GetProperty("opsets").GetProperty("").GetInt32());
        Assert.Equal("KappaFace.MLNet.Tests", root.GetProperty("producer")[0].GetString());
        var metadata = root.GetProperty("metadata").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
        Assert.Equal(card.ToMetadata().ToDictionary(p => p.Key, p => p.Value), metadata);

        var input = root.GetProperty("inputs").GetProperty("input").EnumerateArray().Select(e => e.ToString()).ToArray();
        Assert.Equal(new[] { "batch", "3", "8", "8" }, input);
        var embedding = root.GetProperty("outputs").GetProperty("embedding").EnumerateArray().Select(e => e.ToString()).ToArray();
        Assert.Equal(new[] { "batch", "5" }, embedding);

        var nodes = root.GetProperty("nodes").EnumerateArray().ToArray();
        var conv = nodes.Single(n => n[0].GetString() == "Conv");
        Assert.Equal(new[] { 1, 1, 1, 1 }, conv[3].GetProperty("pads").EnumerateArray().Select(e => e.GetInt32()));
        var reduce = nodes.Single(n => n[0].GetString() == "ReduceL2");
        Assert.Equal(1, reduce[3].GetProperty("keepdims").GetInt32());
        Assert.Equal(new[] { 1 }, reduce[3].GetProperty("axes").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal("embedding_norm", reduce[2][0].GetString());

        var weights = root.GetProperty("conv_weight").EnumerateArray().Select(e => e.GetSingle()).ToArray();
        Assert.Equal(model.ConvWeight, weights);
    }

    private const string WriteScript = """
        import sys
        import numpy as np
        import onnx
        from onnx import helper, TensorProto
        rng = np.random.default_rng(3)
        w = rng.standard_normal((4, 48)).astype(np.float32)
        nodes = [
            helper.make_node("Sub", ["input", "mean"], ["c"]),
            helper.make_node("Div", ["c", "scale"], ["n"]),
            helper.make_node("Flatten", ["n"], ["f"], axis=1),
            helper.make_node("Gemm", ["f", "w"], ["e"], transB=1),
            helper.make_node("ReduceL2", ["e"], ["embedding_norm"], axes=[1], keepdims=1),
            helper.make_node("Div", ["e", "embedding_norm"], ["embedding"]),
        ]
        inits = [
            helper.make_tensor("mean", TensorProto.FLOAT, [], [127.5]),
            helper.make_tensor("scale", TensorProto.FLOAT, [], [127.5]),
            helper.make_tensor("w", TensorProto.FLOAT, [4, 48], w.flatten().tolist()),
        ]
        graph = helper.make_graph(nodes, "py", 
            [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 3, 4, 4])],
            [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["batch", 4]),
             helper.make_tensor_value_info("embedding_norm", TensorProto.FLOAT, ["batch", 1])],
            inits, doc_string="written by python")
        m = helper.make_model(graph, producer_name="python-onnx", opset_imports=[helper.make_opsetid("", 13)])
        m.ir_version = 8
        m.doc_string = "a model from another tool"
        helper.set_model_props(m, {"library.version": "py", "input.size": "4", "input.color_order": "RGB",
            "input.value_range": "0..255", "input.layout": "NCHW", "input.alignment": "none",
            "embedding.size": "4", "verification.threshold": "0.5", "py.extra": "yes"})
        onnx.checker.check_model(m, full_check=True)
        onnx.save(m, sys.argv[1])
        print(" ".join(str(v) for v in w.flatten().tolist()))
        """;

    [SkippableFact]
    public void Model_written_by_python_onnx_parses_and_runs()
    {
        Skip.IfNot(PythonOnnx.Available, PythonOnnx.MissingReason);
        using var dir = new TempDir();
        var path = dir.File("py.onnx");
        var code = PythonOnnx.Run(WriteScript, out var stdout, out var stderr, path);
        Assert.True(code == 0, "python failed: " + stderr);
        var w = stdout.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(s => float.Parse(s, System.Globalization.CultureInfo.InvariantCulture)).ToArray();

        var model = OnnxModelFile.Load(path);
        Assert.Equal("python-onnx", model.ProducerName);
        Assert.Equal("a model from another tool", model.DocString);
        var wTensor = model.Graph.Initializer.Single(t => t.Name == "w");
        Assert.Equal(w, wTensor.FloatData); // python stored float_data, not raw_data
        Assert.Equal(new long[] { 4, 48 }, wTensor.Dims);

        var card = ModelCard.ReadFrom(path);
        Assert.Equal(0.5, card.VerificationThreshold);
        Assert.Equal("yes", card.AdditionalProperties["py.extra"]);

        using var embedder = FaceEmbedder.Open(path, new FaceEmbedderOptions { ExecutionProvider = "cpu" });
        Assert.Equal(4, embedder.InputSize);
        var pixels = Enumerable.Range(0, 2 * 48).Select(i => (float)(i * 37 % 256)).ToArray();
        var result = embedder.Embed(pixels, 2);
        for (var i = 0; i < 2; i++)
        {
            var e = new double[4];
            for (var d = 0; d < 4; d++)
            {
                for (var k = 0; k < 48; k++)
                {
                    e[d] += w[d * 48 + k] * ((pixels[i * 48 + k] - 127.5) / 127.5);
                }
            }

            var norm = Math.Sqrt(e.Sum(v => v * v));
            Assert.True(Math.Abs(norm - result.GetNorm(i)) <= 1e-5 * norm);
            for (var d = 0; d < 4; d++)
            {
                Assert.True(Math.Abs(e[d] / norm - result.GetEmbedding(i)[d]) <= 1e-5);
            }
        }
    }
}
