using KappaFace.MLNet.Trainer.Backbones;
using KappaFace.MLNet.Trainer.Import;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace KappaFace.MLNet.Trainer.Export;

/// <summary>
/// Walks a backbone's modules in forward order and emits each through <see cref="ExportGraph"/>,
/// reproducing eval mode: batch norms use their running statistics, dropout is an identity. A
/// convolution followed by a BatchNorm2d (or a linear layer followed by a BatchNorm1d) becomes one
/// node with the norm folded in; any other batch norm stays a BatchNormalization node. The forward
/// order of each composite comes from its public layer accessors (not from registration order, which
/// reflection does not promise); module paths come from <c>named_children</c>, as in a state dict.
/// </summary>
internal sealed class BackboneWalker(ExportGraph graph, OnnxExportOptions options)
{
    private const string Supported =
        "supported layers are Conv2d, BatchNorm2d, BatchNorm1d, PReLU, Linear, Dropout, Sequential and the KappaFace backbone units";

    /// <summary>Emits the whole backbone from <paramref name="x"/> and returns the raw embedding tensor <c>[batch, D]</c>.</summary>
    public string Backbone(FaceBackbone backbone, string x) => backbone switch
    {
        TinyFaceNet tiny => Sequence(tiny, string.Empty, [tiny.Body, tiny.Head], x),
        MobileFaceNet mobile => Sequence(mobile, string.Empty, [.. mobile.Trunk, mobile.Head], x),
        ImportedBackbone imported => new ImportedGraphWriter(graph).Write(imported.Graph, x),
        IResNet resnet => Sequence(resnet, string.Empty, [resnet.Stem, .. resnet.Stages, resnet.OutputNorm, resnet.Head], x),
        _ => throw new OnnxExportException(string.Empty, backbone.GetType().Name,
            "the exporter does not know this backbone's forward order; " + Supported),
    };

    /// <summary>Emits <paramref name="layers"/> (children of <paramref name="parent"/>) one after another.</summary>
    private string Sequence(nn.Module parent, string parentPath, nn.Module[] layers, string x)
    {
        var names = new Dictionary<nn.Module, string>(ReferenceEqualityComparer.Instance);
        foreach (var (name, child) in parent.named_children())
        {
            names.TryAdd(child, name);
        }

        for (int i = 0; i < layers.Length; i++)
        {
            nn.Module layer = layers[i];
            string path = Join(parentPath, names.TryGetValue(layer, out var name) ? name : layer.GetName());
            nn.Module? next = i + 1 < layers.Length ? layers[i + 1] : null;
            switch (layer)
            {
                case Conv2d conv when next is NormBase norm && IsBatchNorm(norm, 2):
                    x = FoldedConv(conv, path, LayerReader.BatchNorm(norm, Join(parentPath, names.GetValueOrDefault(norm, "bn"))), x);
                    i++;
                    break;
                case Conv2d conv:
                    var (w, shape, bias, geometry) = LayerReader.Conv(conv, path);
                    x = graph.Conv(x, path, w, shape, bias, geometry);
                    break;
                case Linear linear when next is NormBase norm && IsBatchNorm(norm, 1):
                    x = FoldedLinear(linear, path, LayerReader.BatchNorm(norm, Join(parentPath, names.GetValueOrDefault(norm, "bn"))), x);
                    i++;
                    break;
                case Linear linear:
                    var (lw, outFeatures, inFeatures, lb) = LayerReader.Linear(linear);
                    x = graph.Linear(x, path, lw, outFeatures, inFeatures, lb);
                    break;
                case BatchNorm2d or BatchNorm1d or StableBatchNorm:
                    x = graph.BatchNorm(x, path, LayerReader.BatchNorm((NormBase)layer, path));
                    break;
                case PReLU prelu:
                    x = graph.PRelu(x, path, LayerReader.Values(prelu.weight), options.PReluAsOperator);
                    break;
                case Dropout:
                    // An identity in eval mode, which is what the exported graph reproduces.
                    break;
                default:
                    x = Composite(layer, path, x);
                    break;
            }
        }

        return x;
    }

    private string Composite(nn.Module module, string path, string x) => module switch
    {
        Sequential sequential => Sequence(sequential, path, sequential.named_children().Select(c => c.module).ToArray(), x),
        ConvBnPrelu unit => Sequence(unit, path, [unit.Conv, unit.Norm, unit.Activation], x),
        ConvBn unit => Sequence(unit, path, [unit.Conv, unit.Norm], x),
        DepthwiseBottleneck block => Bottleneck(block, path, x),
        IBasicBlock block => BasicBlock(block, path, x),
        EmbeddingHead head => Head(head, path, x),
        _ => throw new OnnxExportException(path, module.GetType().Name, Supported),
    };

    private string Bottleneck(DepthwiseBottleneck block, string path, string x)
    {
        string y = Sequence(block, path, [block.Expand, block.Depthwise, block.Project], x);
        return block.IsResidual ? graph.Add(y, x, path + ".add") : y;
    }

    private string BasicBlock(IBasicBlock block, string path, string x)
    {
        // The leading BN stays a BatchNormalization node: it precedes a padded convolution, so folding
        // it forward would normalise the padding zeros too.
        string residual = Sequence(block, path, block.ResidualLayers.Cast<nn.Module>().ToArray(), x);
        string shortcut = block.Downsample is { } downsample
            ? Sequence(block, path, [downsample], x)
            : x;
        return graph.Add(residual, shortcut, path + ".add");
    }

    private string Head(EmbeddingHead head, string path, string x)
    {
        string flat = graph.Flatten(x, path + ".flatten");
        return Sequence(head, path, [head.Dropout, head.Fc, head.Features], flat);
    }

    private string FoldedConv(Conv2d conv, string path, BatchNormParameters norm, string x)
    {
        var (weights, shape, bias, geometry) = LayerReader.Conv(conv, path);
        var (folded, foldedBias) = BatchNormFolding.Fold(weights, bias, norm);
        return graph.Conv(x, path, folded, shape, foldedBias, geometry);
    }

    private string FoldedLinear(Linear linear, string path, BatchNormParameters norm, string x)
    {
        var (weights, outFeatures, inFeatures, bias) = LayerReader.Linear(linear);
        var (folded, foldedBias) = BatchNormFolding.Fold(weights, bias, norm);
        return graph.Linear(x, path, folded, outFeatures, inFeatures, foldedBias);
    }

    private static string Join(string parent, string name) => parent.Length == 0 ? name : parent + "." + name;

    private static bool IsBatchNorm(NormBase norm, int dimensions) => norm switch
    {
        StableBatchNorm stable => stable.Dimensions == dimensions,
        BatchNorm2d => dimensions == 2,
        BatchNorm1d => dimensions == 1,
        _ => false,
    };
}
