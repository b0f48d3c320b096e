using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace KappaFace.MLNet.Trainer.Backbones;

/// <summary>
/// A bias-free convolution, BatchNorm2d, then a per-channel PReLU: the basic unit of insightface's
/// face networks (stems, MobileFaceNet expansions and depthwise layers, the tiny test net).
/// State-dict keys: <c>conv.weight</c>, <c>bn.*</c>, <c>prelu.weight</c>.
/// </summary>
public sealed class ConvBnPrelu : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv;
    private readonly StableBatchNorm bn;
    private readonly PReLU prelu;

    /// <summary>Creates the unit.</summary>
    /// <param name="inChannels">Input channels.</param>
    /// <param name="outChannels">Output channels (also the number of PReLU slopes).</param>
    /// <param name="kernelSize">Square kernel side.</param>
    /// <param name="stride">Stride in both directions.</param>
    /// <param name="padding">Zero padding on every side.</param>
    /// <param name="groups">Convolution groups; equal to the channel count for a depthwise convolution.</param>
    public ConvBnPrelu(int inChannels, int outChannels, int kernelSize, int stride = 1, int padding = 0, int groups = 1)
        : base(nameof(ConvBnPrelu))
    {
        conv = nn.Conv2d(inChannels, outChannels, kernelSize, stride: stride, padding: padding, groups: groups, bias: false);
        bn = Norms.BatchNorm2d(outChannels);
        // One slope per channel (PyTorch's default init 0.25), as insightface uses everywhere.
        prelu = nn.PReLU(outChannels);
        RegisterComponents();
    }

    /// <summary>The convolution (no bias).</summary>
    public Conv2d Conv => conv;

    /// <summary>The batch norm after the convolution.</summary>
    public StableBatchNorm Norm => bn;

    /// <summary>The per-channel PReLU activation.</summary>
    public PReLU Activation => prelu;

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => ModuleChain.Run(input, conv, bn, prelu);
}
