using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace KappaFace.MLNet.Trainer.Backbones;

/// <summary>
/// MobileFaceNet (Chen et al. 2018) in insightface's arcface_torch layout at width scale 1, the
/// original network of about 1M parameters:
/// <list type="table">
/// <item><term>stem</term><description>conv3x3 3 -> 64, stride 2, BN, PReLU</description></item>
/// <item><term>stem_dw</term><description>depthwise conv3x3 64, BN, PReLU</description></item>
/// <item><term>layer1</term><description>bottleneck 64 -> 64 (expand 128, stride 2), then 4 residual bottlenecks (expand 128)</description></item>
/// <item><term>layer2</term><description>bottleneck 64 -> 128 (expand 256, stride 2), then 6 residual bottlenecks (expand 256)</description></item>
/// <item><term>layer3</term><description>bottleneck 128 -> 128 (expand 512, stride 2), then 2 residual bottlenecks (expand 256)</description></item>
/// <item><term>conv_sep</term><description>conv1x1 128 -> 512, BN, PReLU</description></item>
/// <item><term>gdc</term><description>linear global depthwise conv (S/16)x(S/16) over 512 channels, BN</description></item>
/// <item><term>head</term><description>flatten 512, dropout, linear 512 -> D without bias, BatchNorm1d (frozen scale)</description></item>
/// </list>
/// The GDC kernel equals the last feature map (7x7 at 112), so any multiple of 16 works.
/// Convolutions and the linear layer start He-normal (fan-out), as in insightface.
/// </summary>
public sealed class MobileFaceNet : FaceBackbone
{
    private const int StemChannels = 64;
    private const int SeparableChannels = 512;

    /// <summary>The bottleneck stages: (output channels, expansion of the strided first block, residual blocks, their expansion).</summary>
    private static readonly (int OutChannels, int DownExpansion, int Residuals, int Expansion)[] StageTable =
    [
        (64, 128, 4, 128),
        (128, 256, 6, 256),
        (128, 512, 2, 256),
    ];

    private readonly ConvBnPrelu stem;

    [ComponentName(Name = "stem_dw")]
    private readonly ConvBnPrelu stemDepthwise;

    private readonly Sequential layer1;
    private readonly Sequential layer2;
    private readonly Sequential layer3;

    [ComponentName(Name = "conv_sep")]
    private readonly ConvBnPrelu convSeparable;

    private readonly ConvBn gdc;
    private readonly EmbeddingHead head;

    /// <summary>Creates a freshly initialised MobileFaceNet.</summary>
    /// <param name="inputSize">Side of the square input; a positive multiple of 16.</param>
    /// <param name="embeddingSize">Embedding length D.</param>
    /// <param name="dropout">Dropout probability before the embedding's linear layer.</param>
    /// <exception cref="ArgumentOutOfRangeException">A bad size or dropout.</exception>
    public MobileFaceNet(int inputSize = 112, int embeddingSize = 512, double dropout = 0)
        : base(BackboneFactory.NameOf(BackboneKind.MobileFaceNet), BackboneKind.MobileFaceNet, inputSize, embeddingSize)
    {
        stem = new ConvBnPrelu(3, StemChannels, kernelSize: 3, stride: 2, padding: 1);
        stemDepthwise = new ConvBnPrelu(StemChannels, StemChannels, kernelSize: 3, stride: 1, padding: 1, groups: StemChannels);
        layer1 = BuildStage(StemChannels, StageTable[0]);
        layer2 = BuildStage(StageTable[0].OutChannels, StageTable[1]);
        layer3 = BuildStage(StageTable[1].OutChannels, StageTable[2]);
        convSeparable = new ConvBnPrelu(StageTable[^1].OutChannels, SeparableChannels, kernelSize: 1);
        // Global depthwise convolution: one learned spatial weighting per channel instead of average
        // pooling, which MobileFaceNet found matters for faces (the centre counts more than corners).
        gdc = new ConvBn(SeparableChannels, SeparableChannels, kernelSize: FeatureMapSize, groups: SeparableChannels);
        head = new EmbeddingHead(SeparableChannels, embeddingSize, linearBias: false, dropout);
        RegisterComponents();
        BackboneInit.KaimingFanOut(this);
    }

    /// <summary>The modules in forward order: stem, stem_dw, layer1-3, conv_sep, gdc (the head comes after).</summary>
    public IReadOnlyList<nn.Module<Tensor, Tensor>> Trunk => [stem, stemDepthwise, layer1, layer2, layer3, convSeparable, gdc];

    /// <summary>The embedding head.</summary>
    public EmbeddingHead Head => head;

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
        => ModuleChain.Run(input, stem, stemDepthwise, layer1, layer2, layer3, convSeparable, gdc, head);

    private static Sequential BuildStage(int inChannels, (int OutChannels, int DownExpansion, int Residuals, int Expansion) spec)
    {
        var named = new List<(string, nn.Module<Tensor, Tensor>)>(spec.Residuals + 1)
        {
            ("0", new DepthwiseBottleneck(inChannels, spec.OutChannels, spec.DownExpansion, stride: 2)),
        };
        for (var i = 1; i <= spec.Residuals; i++)
        {
            named.Add((i.ToString(System.Globalization.CultureInfo.InvariantCulture),
                new DepthwiseBottleneck(spec.OutChannels, spec.OutChannels, spec.Expansion)));
        }

        return nn.Sequential(named);
    }
}
