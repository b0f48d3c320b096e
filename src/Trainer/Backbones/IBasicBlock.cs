using KappaFace.MLNet.Trainer.Platform;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace KappaFace.MLNet.Trainer.Backbones;

/// <summary>
/// insightface's improved residual block: BN, conv3x3, BN, PReLU, conv3x3 (carrying the stride), BN,
/// added to the input, or to a conv1x1 + BN projection of it when the shape changes. There is no
/// activation after the addition: the next block starts with a batch norm instead.
/// State-dict keys: <c>bn1</c>, <c>conv1</c>, <c>bn2</c>, <c>prelu</c>, <c>conv2</c>, <c>bn3</c>,
/// and <c>downsample.conv</c> / <c>downsample.bn</c> when there is a projection.
/// </summary>
public sealed class IBasicBlock : nn.Module<Tensor, Tensor>
{
    private readonly StableBatchNorm bn1;
    private readonly Conv2d conv1;
    private readonly StableBatchNorm bn2;
    private readonly PReLU prelu;
    private readonly Conv2d conv2;
    private readonly StableBatchNorm bn3;
    private readonly ConvBn? downsample;

    /// <summary>Creates the block.</summary>
    /// <param name="inChannels">Input channels.</param>
    /// <param name="outChannels">Output channels.</param>
    /// <param name="stride">Stride of the second convolution (and of the shortcut projection).</param>
    public IBasicBlock(int inChannels, int outChannels, int stride = 1)
        : base(nameof(IBasicBlock))
    {
        bn1 = Norms.BatchNorm2d(inChannels);
        conv1 = nn.Conv2d(inChannels, outChannels, 3, stride: 1, padding: 1, bias: false);
        bn2 = Norms.BatchNorm2d(outChannels);
        prelu = nn.PReLU(outChannels);
        // insightface strides the second convolution, not the first, so the first sees full resolution.
        conv2 = nn.Conv2d(outChannels, outChannels, 3, stride: stride, padding: 1, bias: false);
        bn3 = Norms.BatchNorm2d(outChannels);
        if (stride != 1 || inChannels != outChannels)
        {
            downsample = new ConvBn(inChannels, outChannels, kernelSize: 1, stride: stride);
        }

        RegisterComponents();
    }

    /// <summary>The projection shortcut, or null when the input is added unchanged.</summary>
    public ConvBn? Downsample => downsample;

    /// <summary>The residual branch's layers in order: BN, conv3x3, BN, PReLU, conv3x3, BN.</summary>
    public IReadOnlyList<nn.Module<Tensor, Tensor>> ResidualLayers => [bn1, conv1, bn2, prelu, conv2, bn3];

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var residual = ModuleChain.Run(input, bn1, conv1, bn2, prelu, conv2, bn3);
        if (downsample is null)
        {
            return StableScalars.Add(residual, input);
        }

        using var shortcut = downsample.call(input);
        return StableScalars.Add(residual, shortcut);
    }
}
