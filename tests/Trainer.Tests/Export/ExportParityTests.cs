using KappaFace.MLNet.Onnx;
using KappaFace.MLNet.Tests.Shared;
using KappaFace.MLNet.Trainer.Backbones;
using KappaFace.MLNet.Trainer.Export;
using Xunit;
using Xunit.Abstractions;

namespace KappaFace.MLNet.Trainer.Tests.Export;

/// <summary>
/// The parity guarantee of docs/onnx-model.md: the exported model run by ONNX Runtime (through <see cref="FaceEmbedder"/>)
/// matches the TorchSharp eval-mode outputs within 1e-4 max abs, embeddings and norms, at batch 1
/// and batch 7 in the same session.
/// </summary>
public class ExportParityTests(ITestOutputHelper output)
{
    /// <summary>Backbone, input side, D, and whether PReLU is written as the PRelu operator (else decomposed).</summary>
    public static TheoryData<BackboneKind, int, int, bool> Backbones => new()
    {
        { BackboneKind.Tiny, 32, 64, false },
        { BackboneKind.Tiny, 32, 64, true },
        { BackboneKind.MobileFaceNet, 112, 128, false },
        { BackboneKind.MobileFaceNet, 64, 128, true },
        { BackboneKind.IResNet18, 32, 128, false },
        { BackboneKind.IResNet34, 32, 64, false },
        { BackboneKind.IResNet50, 32, 128, false },
    };

    [Theory]
    [MemberData(nameof(Backbones))]
    public void Onnx_runtime_matches_torchsharp_eval_mode_at_batch_1_and_7(BackboneKind kind, int inputSize, int embeddingSize, bool preluOperator)
    {
        using var backbone = ExportTestKit.Backbone(kind, inputSize, embeddingSize);
        byte[] images = ExportTestKit.Images(7, inputSize, seed: 11);
        var expected = ExportTestKit.TorchReference(backbone, images, 7);

        using var folder = new TempFolder();
        string path = Path.Combine(folder.Path, "model.onnx");
        OnnxExporter.Export(backbone, ModelCardAssembler.ForBackbone(backbone), path, new OnnxExportOptions { PReluAsOperator = preluOperator });

        using var embedder = FaceEmbedder.Open(path, ExportTestKit.CpuOptions());
        float[] pixels = ExportTestKit.AsFloats(images);
        var single = EmbeddingBatch.From(embedder.Embed(pixels.AsSpan(0, 3 * inputSize * inputSize), 1));
        var batch = EmbeddingBatch.From(embedder.Embed(pixels, 7));

        var (singleEmbedding, singleNorm) = single.MaxAbsDiff(expected.Slice(0, 1));
        var (batchEmbedding, batchNorm) = batch.MaxAbsDiff(expected);
        output.WriteLine(
            $"{kind} {inputSize}px D={embeddingSize} {(preluOperator ? "PRelu operator" : "PReLU decomposed")}: batch 1 max|diff| embedding {singleEmbedding:E2}, norm {singleNorm:E2}; " +
            $"batch 7 embedding {batchEmbedding:E2}, norm {batchNorm:E2}; norms {expected.Norms.Min():F3}..{expected.Norms.Max():F3}, " +
            $"min cosine distance {ExportTestKit.MinPairwiseDistance(expected):F4}");

        Assert.All(expected.Norms, n => Assert.True(float.IsFinite(n) && n > 0, $"degenerate reference norm {n}"));
        // Different images must give clearly different embeddings, or the comparison proves little.
        Assert.True(ExportTestKit.MinPairwiseDistance(expected) > 0.01, "the reference network ignores its input");
        Assert.True(singleEmbedding <= ExportTestKit.Tolerance, $"batch 1 embedding differs by {singleEmbedding}");
        Assert.True(singleNorm <= ExportTestKit.Tolerance, $"batch 1 norm differs by {singleNorm}");
        Assert.True(batchEmbedding <= ExportTestKit.Tolerance, $"batch 7 embedding differs by {batchEmbedding}");
        Assert.True(batchNorm <= ExportTestKit.Tolerance, $"batch 7 norm differs by {batchNorm}");
    }
}
