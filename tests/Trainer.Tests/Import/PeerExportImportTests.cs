using System.Runtime.InteropServices;
using KappaFace.MLNet.Onnx;
using KappaFace.MLNet.Onnx.Import;
using KappaFace.MLNet.Tests.Shared;
using KappaFace.MLNet.Trainer.Import;
using KappaFace.MLNet.Trainer.Tests.Export;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace KappaFace.MLNet.Trainer.Tests.Import;

/// <summary>
/// Models exported by PyTorch itself (torch.onnx, opset 14, batch traced at 1) from the insightface-layout
/// twins of benchmarks/peer/models.py (PReLU, Flatten, Gemm/MatMul, BatchNorm1d): imported with
/// <c>kappaface import</c>'s defaults and into TorchSharp, both must reproduce PyTorch's own outputs.
/// Skips with the reason when Debian's python3-torch is missing.
/// </summary>
public sealed class PeerExportImportTests(ITestOutputHelper output)
{
    private const double Tolerance = 1e-4;
    private const int Count = 3;

    [SkippableTheory]
    [InlineData("mobilefacenet", 112, 128, false)]
    [InlineData("iresnet18", 32, 64, true)]
    public void PyTorch_export_is_reproduced_by_the_import_and_by_torchsharp(string backbone, int size, int embedding, bool keepBatchNorm)
    {
        string? script = SharedData.RepositoryRoot is { } root ? Path.Combine(root, "benchmarks", "peer", "export_onnx.py") : null;
        Skip.If(script is null || !File.Exists(script), "benchmarks/peer/export_onnx.py not found above the test binaries.");
        Skip.If(InteropTools.PythonWithTorch is null, "python3 with torch is not installed (Debian package python3-torch); " + InteropTools.InstallHint);

        using var dir = new TempFolder();
        string[] arguments = [script!, backbone, size.ToString(System.Globalization.CultureInfo.InvariantCulture),
            embedding.ToString(System.Globalization.CultureInfo.InvariantCulture), dir.Path, "1", "default", keepBatchNorm ? "keep-bn" : "fold"];
        var (exitCode, _, stderr) = InteropTools.Run(InteropTools.PythonWithTorch!, arguments, timeout: TimeSpan.FromMinutes(5));
        Assert.True(exitCode == 0, $"export_onnx.py failed ({exitCode}): {stderr}");
        float[] pixels = Floats(Path.Combine(dir.Path, "pixels.bin"));
        float[] expected = Floats(Path.Combine(dir.Path, "expected.bin"));

        // kappaface import with its defaults ((x - 127.5) / 127.5 on RGB, as the twins are trained).
        var imported = FaceModelImporter.Import(Path.Combine(dir.Path, "model.onnx"), new FaceModelImportOptions());
        Assert.Contains(imported.Changes, c => c.Contains("fixed batch size 1", StringComparison.Ordinal));
        var ours = ForeignModels.Run(imported.Model, "input", pixels, [Count, 3, size, size], "embedding", "embedding_norm");
        float[] raw = [.. ours["embedding"].Select((v, i) => v * ours["embedding_norm"][i / embedding])];
        double importDiff = ForeignModels.MaxAbsDiff(expected, raw);

        // The imported model as a trainable TorchSharp backbone.
        using var importedBackbone = ImportedBackbone.FromModel(imported.Model, backbone);
        importedBackbone.eval();
        using var noGrad = no_grad();
        using var x = (tensor(pixels, [Count, 3, size, size]) - 127.5f) / 127.5f;
        using var y = importedBackbone.call(x);
        double torchSharpDiff = ForeignModels.MaxAbsDiff(expected, [.. y.contiguous().data<float>()]);

        output.WriteLine($"{backbone} (torch.onnx, keep-bn {keepBatchNorm}): PyTorch vs ORT imported {importDiff:E2}, vs TorchSharp imported {torchSharpDiff:E2}");
        Assert.True(importDiff < Tolerance, $"ORT: {importDiff}");
        Assert.True(torchSharpDiff < Tolerance, $"TorchSharp: {torchSharpDiff}");
        if (keepBatchNorm)
        {
            Assert.NotEmpty(importedBackbone.modules().OfType<KappaFace.MLNet.Trainer.Backbones.StableBatchNorm>());
        }
    }

    private static float[] Floats(string path) => MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(path)).ToArray();
}
