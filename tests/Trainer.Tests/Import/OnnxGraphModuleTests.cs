using Google.Protobuf;
using KappaFace.MLNet.Onnx;
using KappaFace.MLNet.Onnx.Import;
using KappaFace.MLNet.Onnx.Proto;
using KappaFace.MLNet.Tests.Shared;
using KappaFace.MLNet.Trainer.Backbones;
using KappaFace.MLNet.Trainer.Export;
using KappaFace.MLNet.Trainer.Import;
using KappaFace.MLNet.Trainer.Tests.Export;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace KappaFace.MLNet.Trainer.Tests.Import;

public sealed class OnnxGraphModuleTests(ITestOutputHelper output)
{
    private const double Tolerance = 1e-4;

    [Theory]
    [InlineData(10)]
    [InlineData(13)]
    public void Tiny_foreign_source_matches_onnxruntime(int opset)
    {
        var source = ForeignModels.Tiny(batch: null, opset: opset);
        using var module = OnnxGraphModule.FromModel(source);
        module.eval();
        foreach (int count in new[] { 1, 7 })
        {
            double diff = SourceParity(source, module, "input", "embedding", count, ForeignModels.Size);
            output.WriteLine($"tiny opset {opset}, batch {count}: {diff:E2}");
            Assert.True(diff < Tolerance, $"batch {count}: {diff}");
        }
    }

    [SkippableFact]
    public void Foamliu_mobilefacenet_source_matches_onnxruntime_at_batch_1_and_7()
    {
        string? path = SharedData.Model("mobilefacenet-foamliu.onnx");
        Skip.If(path is null, SharedData.MissingModelReason("mobilefacenet-foamliu.onnx"));
        var source = ForeignModels.WithSymbolicBatch(OnnxModelFile.Load(path!));
        using var module = OnnxGraphModule.FromModel(source);
        module.eval();
        Assert.Equal(51, module.modules().OfType<StableBatchNorm>().Count());
        foreach (int count in new[] { 1, 7 })
        {
            double diff = SourceParity(source, module, "input0", "output0", count, 112);
            output.WriteLine($"foamliu source, batch {count}: max abs diff ORT vs TorchSharp {diff:E2}");
            Assert.True(diff < Tolerance, $"batch {count}: {diff}");
        }
    }

    [Theory]
    [InlineData(BackboneKind.MobileFaceNet, 112)]
    [InlineData(BackboneKind.IResNet18, 32)]
    [InlineData(BackboneKind.Tiny, 32)]
    public void Our_exports_imported_back_match_onnxruntime(BackboneKind kind, int size)
    {
        using var backbone = ExportTestKit.Backbone(kind, size, 16);
        var exported = OnnxExporter.ToModel(backbone, ModelCardAssembler.ForBackbone(backbone));
        using var imported = ImportedBackbone.FromModel(exported, "exported.onnx");
        imported.eval();
        foreach (int count in new[] { 1, 7 })
        {
            double diff = ContractParity(exported, imported, count);
            output.WriteLine($"{kind} export re-imported, batch {count}: {diff:E2}");
            Assert.True(diff < Tolerance, $"batch {count}: {diff}");
        }
    }

    [SkippableFact]
    public void Foamliu_imported_then_loaded_as_backbone_matches_onnxruntime()
    {
        string? path = SharedData.Model("mobilefacenet-foamliu.onnx");
        Skip.If(path is null, SharedData.MissingModelReason("mobilefacenet-foamliu.onnx"));
        var model = FaceModelImporter.Import(path!, new FaceModelImportOptions { PixelScale = 255, Mean = [0.485f, 0.456f, 0.406f], Std = [0.229f, 0.224f, 0.225f] }).Model;
        using var backbone = ImportedBackbone.FromModel(model, "foamliu-imported.onnx");
        backbone.eval();
        foreach (int count in new[] { 1, 7 })
        {
            double diff = ContractParity(model, backbone, count);
            output.WriteLine($"foamliu imported as backbone, batch {count}: {diff:E2}");
            Assert.True(diff < Tolerance, $"batch {count}: {diff}");
        }
    }

    [Fact]
    public void Unsupported_operator_fails_naming_node_and_operator()
    {
        var source = ForeignModels.Tiny(batch: null, opset: 13);
        var node = source.Graph.Node.First(n => n.OpType == "Relu");
        node.OpType = "Softplus";
        node.Name = "my_activation";
        var e = Assert.Throws<OnnxImportException>(() => OnnxGraphModule.FromModel(source));
        Assert.Equal("my_activation", e.NodeName);
        Assert.Equal("Softplus", e.OperatorName);
        Assert.Contains("'my_activation' (Softplus)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Batch_norm_uses_batch_statistics_and_updates_running_ones_only_in_training()
    {
        using var module = OnnxGraphModule.FromModel(ForeignModels.Tiny(batch: null, opset: 13));
        var norm = Assert.Single(module.modules().OfType<StableBatchNorm>());
        Assert.Equal(2, norm.Dimensions);
        using var x = torch.randn(4, 3, ForeignModels.Size, ForeignModels.Size);
        float[] before = [.. norm.running_mean!.data<float>()];

        module.eval();
        using var eval1 = module.call(x);
        Assert.Equal(before, norm.running_mean!.data<float>().ToArray());
        module.train();
        using var train = module.call(x);
        Assert.NotEqual(before, norm.running_mean!.data<float>().ToArray());
        module.eval();
        using var eval2 = module.call(x);
        Assert.True(train.sub(eval2).abs().max().item<float>() > 1e-3, "train mode must normalise with the batch's statistics");
        Assert.True(eval1.sub(eval2).abs().max().item<float>() > 0, "eval mode must use the updated running statistics");
    }

    [Fact]
    public void Parameters_are_real_and_one_sgd_step_lowers_the_loss()
    {
        torch.manual_seed(1);
        using var module = OnnxGraphModule.FromModel(ForeignModels.Tiny(batch: null, opset: 13));
        var names = module.named_parameters().Select(p => p.name).ToList();
        Assert.Contains(names, n => n.StartsWith("c1_w", StringComparison.Ordinal));
        Assert.Contains(names, n => n.StartsWith("fc_w", StringComparison.Ordinal));
        Assert.Contains(names, n => n.StartsWith("slope", StringComparison.Ordinal));
        Assert.Contains(names, n => n.EndsWith(".weight", StringComparison.Ordinal));   // the batch norm's scale

        // Eval mode: no dropout draws from the process-wide generator, which tests running in parallel
        // also use, so both evaluations see the same network and only the step changes the loss.
        module.eval();
        using var x = torch.randn(8, 3, ForeignModels.Size, ForeignModels.Size);
        using var target = torch.randn(8, ForeignModels.Dim);
        var optimizer = torch.optim.SGD(module.parameters(), 0.01);
        float[] weightBefore = [.. module.named_parameters().First(p => p.name.StartsWith("c1_w", StringComparison.Ordinal)).parameter.data<float>()];
        float Loss()
        {
            optimizer.zero_grad();
            using var loss = nn.functional.mse_loss(module.call(x), target);
            loss.backward();
            return loss.item<float>();
        }

        float first = Loss();
        optimizer.step();
        float second = Loss();
        Assert.NotEqual(weightBefore, module.named_parameters().First(p => p.name.StartsWith("c1_w", StringComparison.Ordinal)).parameter.data<float>().ToArray());
        Assert.True(second < first, $"loss {first} -> {second}");
    }

    [Fact]
    public void A_fine_tuned_imported_backbone_exports_through_the_contract_with_its_parent_recorded()
    {
        using var dir = new TempFolder();
        string parentPath = Path.Combine(dir.Path, "parent.onnx");
        var imported = FaceModelImporter.ImportFile(
            FaceModelImporterTests.Save(ForeignModels.Tiny(), dir, "tiny.onnx"), parentPath,
            new FaceModelImportOptions { Channels = SourceChannelOrder.Bgr, Name = "tiny-foreign" });
        using var backbone = ImportedBackbone.Load(parentPath);

        // One training step changes weights and running statistics; the export must carry both.
        backbone.train();
        var optimizer = torch.optim.SGD(backbone.parameters(), 0.1);
        using (var x = torch.randn(6, 3, ForeignModels.Size, ForeignModels.Size))
        using (var loss = backbone.call(x).square().mean())
        {
            loss.backward();
        }

        optimizer.step();
        backbone.eval();
        var exported = OnnxExporter.ToModel(backbone, ModelCardAssembler.ForBackbone(backbone));
        foreach (int count in new[] { 1, 7 })
        {
            Assert.True(ContractParity(exported, backbone, count) < Tolerance);
        }

        var parentOutputs = ForeignModels.Run(imported.Model, "input", ForeignModels.Pixels(1, ForeignModels.Size, 1), [1, 3, ForeignModels.Size, ForeignModels.Size], "embedding")["embedding"];
        var childOutputs = ForeignModels.Run(exported, "input", ForeignModels.Pixels(1, ForeignModels.Size, 1), [1, 3, ForeignModels.Size, ForeignModels.Size], "embedding")["embedding"];
        Assert.True(ForeignModels.MaxAbsDiff(parentOutputs, childOutputs) > 1e-4, "the fine-tuned weights must be exported, not the parent's");

        var card = ModelCard.ReadFrom(exported);
        Assert.Equal("tiny-foreign", card.Backbone);
        Assert.Equal("tiny-foreign", card.AdditionalProperties[ModelCardKeys.ParentName]);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(parentPath))), card.AdditionalProperties[ModelCardKeys.ParentSha256]);
        Assert.Equal(imported.Card.AdditionalProperties[ModelCardKeys.SourceSha256], card.AdditionalProperties[ModelCardKeys.SourceSha256]);
        Assert.Equal(imported.Card.Alignment, card.Alignment);
    }

    /// <summary>Max abs difference of the module's output and ONNX Runtime's on the source graph, for random inputs.</summary>
    private static double SourceParity(ModelProto source, OnnxGraphModule module, string input, string outputName, int count, int size)
    {
        torch.manual_seed(count);
        using var x = torch.randn(count, 3, size, size);
        float[] data = [.. x.data<float>()];
        float[] expected = ForeignModels.Run(source, input, data, [count, 3, size, size], outputName)[outputName];
        using var noGrad = torch.no_grad();
        using var actual = module.call(x);
        return ForeignModels.MaxAbsDiff(expected, [.. actual.contiguous().data<float>()]);
    }

    /// <summary>
    /// Max abs difference of the raw embedding: ONNX Runtime on the contract model (embedding x norm,
    /// from raw pixels) against the backbone on the trainer's normalised pixels.
    /// </summary>
    private static double ContractParity(ModelProto model, FaceBackbone backbone, int count)
    {
        int size = backbone.InputSize;
        float[] pixels = ForeignModels.Pixels(count, size, 100 + count);
        var ours = ForeignModels.Run(model, "input", pixels, [count, 3, size, size], "embedding", "embedding_norm");
        int d = backbone.EmbeddingSize;
        float[] expected = [.. ours["embedding"].Select((v, i) => v * ours["embedding_norm"][i / d])];
        using var noGrad = torch.no_grad();
        using var x = (torch.tensor(pixels, [count, 3, size, size]) - 127.5f) / 127.5f;
        using var actual = backbone.call(x);
        return ForeignModels.MaxAbsDiff(expected, [.. actual.contiguous().data<float>()]);
    }
}
