using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace KappaFace.MLNet.Trainer.Backbones;

/// <summary>
/// A deliberately small network for unit tests and smoke runs: four conv3x3-BN-PReLU layers with
/// stride 2 (16, 32, 64, 64 channels) and the shared <see cref="EmbeddingHead"/>. About 77k
/// parameters at 32x32 with D = 64. Not meant to recognise faces well.
/// State-dict keys: <c>body.0.*</c> ... <c>body.3.*</c>, <c>head.*</c>.
/// </summary>
public sealed class TinyFaceNet : FaceBackbone
{
    private static readonly int[] Channels = [16, 32, 64, 64];

    private readonly Sequential body;
    private readonly EmbeddingHead head;

    /// <summary>Creates a freshly initialised tiny network.</summary>
    /// <param name="inputSize">Side of the square input; a positive multiple of 16.</param>
    /// <param name="embeddingSize">Embedding length D.</param>
    /// <param name="dropout">Dropout probability before the embedding's linear layer.</param>
    /// <exception cref="ArgumentOutOfRangeException">A bad size or dropout.</exception>
    public TinyFaceNet(int inputSize = 112, int embeddingSize = 512, double dropout = 0)
        : base(BackboneFactory.NameOf(BackboneKind.Tiny), BackboneKind.Tiny, inputSize, embeddingSize)
    {
        var layers = new List<(string, nn.Module<Tensor, Tensor>)>(Channels.Length);
        var inChannels = 3;
        foreach (var outChannels in Channels)
        {
            layers.Add((layers.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
                new ConvBnPrelu(inChannels, outChannels, kernelSize: 3, stride: 2, padding: 1)));
            inChannels = outChannels;
        }

        // Four stride-2 layers: the side is S/16, the same reduction as the real backbones.
        body = nn.Sequential(layers);
        head = new EmbeddingHead((long)inChannels * FeatureMapSize * FeatureMapSize, embeddingSize,
            linearBias: false, dropout);
        RegisterComponents();
        BackboneInit.KaimingFanOut(this);
    }

    /// <summary>The four conv-BN-PReLU layers.</summary>
    public Sequential Body => body;

    /// <summary>The embedding head.</summary>
    public EmbeddingHead Head => head;

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => ModuleChain.Run(input, body, head);
}
