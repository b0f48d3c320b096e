using KappaFace.MLNet.Trainer.Platform;
using TorchSharp;
using static TorchSharp.torch;

namespace KappaFace.MLNet.Trainer.Backbones;

/// <summary>
/// MobileFaceNet's depthwise-separable bottleneck: a 1x1 expansion (conv-BN-PReLU), a 3x3 depthwise
/// convolution carrying the stride (conv-BN-PReLU), and a linear 1x1 projection (conv-BN, no
/// activation, so the narrow output keeps its information). When the block keeps the shape
/// (stride 1, same channels) the input is added back, which is insightface's <c>Residual</c> block.
/// State-dict keys: <c>expand.*</c>, <c>depthwise.*</c>, <c>project.*</c>.
/// </summary>
public sealed class DepthwiseBottleneck : nn.Module<Tensor, Tensor>
{
    private readonly ConvBnPrelu expand;
    private readonly ConvBnPrelu depthwise;
    private readonly ConvBn project;

    /// <summary>Creates the block.</summary>
    /// <param name="inChannels">Input channels.</param>
    /// <param name="outChannels">Output channels.</param>
    /// <param name="expandedChannels">Width of the expanded (depthwise) layer.</param>
    /// <param name="stride">Stride of the depthwise convolution.</param>
    public DepthwiseBottleneck(int inChannels, int outChannels, int expandedChannels, int stride = 1)
        : base(nameof(DepthwiseBottleneck))
    {
        expand = new ConvBnPrelu(inChannels, expandedChannels, kernelSize: 1);
        depthwise = new ConvBnPrelu(expandedChannels, expandedChannels, kernelSize: 3, stride: stride, padding: 1,
            groups: expandedChannels);
        project = new ConvBn(expandedChannels, outChannels, kernelSize: 1);
        IsResidual = stride == 1 && inChannels == outChannels;
        RegisterComponents();
    }

    /// <summary>Whether the input is added to the output (the block keeps the shape).</summary>
    public bool IsResidual { get; }

    /// <summary>The 1x1 expansion.</summary>
    public ConvBnPrelu Expand => expand;

    /// <summary>The 3x3 depthwise convolution.</summary>
    public ConvBnPrelu Depthwise => depthwise;

    /// <summary>The linear 1x1 projection.</summary>
    public ConvBn Project => project;

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        var output = ModuleChain.Run(input, expand, depthwise, project);
        if (!IsResidual)
        {
            return output;
        }

        using (output)
        {
            return StableScalars.Add(output, input);
        }
    }
}
