using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace KappaFace.MLNet.Trainer.Backbones;

/// <summary>
/// A bias-free convolution followed by BatchNorm2d, with no activation: the "linear" unit used for
/// projections, shortcuts and the global depthwise convolution. The convolution has no bias because
/// the batch norm's shift makes one redundant (and a folded export gets it back from the norm).
/// State-dict keys: <c>conv.weight</c>, <c>bn.*</c>.
/// </summary>
public sealed class ConvBn : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv;
    private readonly StableBatchNorm bn;

    /// <summary>Creates the unit.</summary>
    /// <param name="inChannels">Input channels.</param>
    /// <param name="outChannels">Output channels.</param>
    /// <param name="kernelSize">Square kernel side.</param>
    /// <param name="stride">Stride in both directions.</param>
    /// <param name="padding">Zero padding on every side.</param>
    /// <param name="groups">Convolution groups; equal to the channel count for a depthwise convolution.</param>
    public ConvBn(int inChannels, int outChannels, int kernelSize, int stride = 1, int padding = 0, int groups = 1)
        : base(nameof(ConvBn))
    {
        conv = nn.Conv2d(inChannels, outChannels, kernelSize, stride: stride, padding: padding, groups: groups, bias: false);
        bn = Norms.BatchNorm2d(outChannels);
        RegisterComponents();
    }

    /// <summary>The convolution (no bias).</summary>
    public Conv2d Conv => conv;

    /// <summary>The batch norm after the convolution.</summary>
    public StableBatchNorm Norm => bn;

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => ModuleChain.Run(input, conv, bn);
}
