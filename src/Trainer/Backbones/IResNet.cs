using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace KappaFace.MLNet.Trainer.Backbones;

/// <summary>
/// insightface's IResNet (the ArcFace "r18" ... "r100" networks), built from the layout of arcface_torch's
/// <c>iresnet.py</c> (which the KappaFace reference code also uses): a stride-1 conv3x3-BN-PReLU stem with 64 channels, four stages of
/// <see cref="IBasicBlock"/> with 64/128/256/512 channels that each halve the resolution in their
/// first block, a BatchNorm2d over the last feature map, and the shared <see cref="EmbeddingHead"/>
/// (flatten 512 x (S/16)^2, dropout, linear with bias, BatchNorm1d with a frozen scale).
/// Convolutions start N(0, 0.1), batch norms at scale 1 and shift 0, as in insightface.
/// State-dict keys: <c>stem.*</c>, <c>layer1.0.bn1.*</c> ... <c>layer4.N.*</c>, <c>output_bn.*</c>, <c>head.*</c>.
/// </summary>
public sealed class IResNet : FaceBackbone
{
    private const int StemChannels = 64;
    private static readonly int[] StageChannels = [64, 128, 256, 512];

    private readonly ConvBnPrelu stem;
    private readonly Sequential layer1;
    private readonly Sequential layer2;
    private readonly Sequential layer3;
    private readonly Sequential layer4;

    [ComponentName(Name = "output_bn")]
    private readonly StableBatchNorm outputBn;

    private readonly EmbeddingHead head;

    /// <summary>Creates a freshly initialised IResNet.</summary>
    /// <param name="kind">One of <see cref="BackboneKind.IResNet18"/>, <see cref="BackboneKind.IResNet34"/>,
    /// <see cref="BackboneKind.IResNet50"/> or <see cref="BackboneKind.IResNet100"/>.</param>
    /// <param name="inputSize">Side of the square input; a positive multiple of 16.</param>
    /// <param name="embeddingSize">Embedding length D.</param>
    /// <param name="dropout">Dropout probability before the embedding's linear layer (insightface default 0).</param>
    /// <exception cref="ArgumentOutOfRangeException">Not an IResNet kind, or a bad size or dropout.</exception>
    public IResNet(BackboneKind kind, int inputSize = 112, int embeddingSize = 512, double dropout = 0)
        : base(BackboneFactory.NameOf(kind), kind, inputSize, embeddingSize)
    {
        var blockCounts = BlockCounts(kind);
        stem = new ConvBnPrelu(3, StemChannels, kernelSize: 3, stride: 1, padding: 1);
        layer1 = BuildStage(StemChannels, StageChannels[0], blockCounts[0]);
        layer2 = BuildStage(StageChannels[0], StageChannels[1], blockCounts[1]);
        layer3 = BuildStage(StageChannels[1], StageChannels[2], blockCounts[2]);
        layer4 = BuildStage(StageChannels[2], StageChannels[3], blockCounts[3]);
        var lastChannels = StageChannels[^1];
        outputBn = Norms.BatchNorm2d(lastChannels);
        head = new EmbeddingHead((long)lastChannels * FeatureMapSize * FeatureMapSize, embeddingSize,
            linearBias: true, dropout);
        RegisterComponents();
        BackboneInit.IResNet(this);
    }

    /// <summary>The conv3x3-BN-PReLU stem.</summary>
    public ConvBnPrelu Stem => stem;

    /// <summary>The four stages of <see cref="IBasicBlock"/>s, named <c>layer1</c> to <c>layer4</c>.</summary>
    public IReadOnlyList<Sequential> Stages => [layer1, layer2, layer3, layer4];

    /// <summary>The BatchNorm2d over the last feature map, before the head.</summary>
    public StableBatchNorm OutputNorm => outputBn;

    /// <summary>The embedding head.</summary>
    public EmbeddingHead Head => head;

    /// <summary>Blocks per stage for an IResNet kind, e.g. [3, 4, 14, 3] for IResNet-50.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not an IResNet kind.</exception>
    public static IReadOnlyList<int> BlockCounts(BackboneKind kind) => kind switch
    {
        BackboneKind.IResNet18 => [2, 2, 2, 2],
        BackboneKind.IResNet34 => [3, 4, 6, 3],
        BackboneKind.IResNet50 => [3, 4, 14, 3],
        BackboneKind.IResNet100 => [3, 13, 30, 3],
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, $"{kind} is not an IResNet kind."),
    };

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
        => ModuleChain.Run(input, stem, layer1, layer2, layer3, layer4, outputBn, head);

    /// <summary>A stage: the first block strides 2 and changes the width, the rest keep the shape.</summary>
    private static Sequential BuildStage(int inChannels, int outChannels, int blocks)
    {
        var named = new List<(string, nn.Module<Tensor, Tensor>)>(blocks)
        {
            ("0", new IBasicBlock(inChannels, outChannels, stride: 2)),
        };
        for (var i = 1; i < blocks; i++)
        {
            named.Add((i.ToString(System.Globalization.CultureInfo.InvariantCulture), new IBasicBlock(outChannels, outChannels)));
        }

        return nn.Sequential(named);
    }
}
