using KappaFace.MLNet.Onnx.Graph;
using KappaFace.MLNet.Trainer.Backbones;
using KappaFace.MLNet.Trainer.Export;
using Xunit;

namespace KappaFace.MLNet.Trainer.Tests.Export;

public sealed class ExportComplexityTests
{
    [Theory]
    [InlineData(BackboneKind.IResNet18, 112)]
    [InlineData(BackboneKind.IResNet18, 64)]
    public void The_exported_IResNet_does_the_work_its_layer_table_implies(BackboneKind kind, int size)
    {
        const int EmbeddingSize = 512;
        using var backbone = BackboneFactory.Create(kind, size, EmbeddingSize);

        // PRelu nodes: the default export's PReLU decomposition adds 1x1 depthwise convolutions of its own.
        var model = OnnxExporter.ToModel(backbone, ModelCardAssembler.ForBackbone(backbone), new OnnxExportOptions { PReluAsOperator = true });

        var complexity = ModelComplexity.Estimate(model);

        Assert.Equal(IResNetMultiplyAccumulates(size, [2, 2, 2, 2], EmbeddingSize), complexity.MultiplyAccumulates);
        Assert.Empty(complexity.UncountedOperators);
    }

    [Fact]
    public void IResNet50_at_112_matches_the_published_6_3_GMAC()
    {
        // insightface lists r50 at 6.3 G multiply-accumulates for 112x112: a check of the recount itself.
        Assert.InRange(IResNetMultiplyAccumulates(112, [3, 4, 14, 3], 512), 6.25e9, 6.35e9);
    }

    // A naive recount from the insightface layer table: a 3x3 stem conv to 64 channels, then four stages of
    // IBasicBlocks (64, 128, 256, 512 channels) whose first block halves the side in its second conv and
    // has a strided 1x1 projection, then a linear layer from the 512 x (S/16)^2 map to D.
    private static long IResNetMultiplyAccumulates(long size, int[] blocks, long embeddingSize)
    {
        long total = size * size * 64 * 3 * 9;
        long side = size, inChannels = 64;
        long[] widths = [64, 128, 256, 512];
        for (int stage = 0; stage < 4; stage++)
        {
            long c = widths[stage], half = side / 2;
            total += (side * side * inChannels * c * 9) + (half * half * c * c * 9) + (half * half * inChannels * c);
            total += (blocks[stage] - 1) * 2 * (half * half * c * c * 9);
            side = half;
            inChannels = c;
        }

        return total + (512 * side * side * embeddingSize);
    }
}
