using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace KappaFace.MLNet.Trainer.Backbones;

/// <summary>
/// Weight initialisations of the reference networks. Both draw from TorchSharp's global generator,
/// so a <c>torch.manual_seed</c> before construction makes a backbone reproducible. Batch norms keep
/// TorchSharp's defaults (scale 1, shift 0), which is what insightface sets explicitly, and the
/// embedding head's frozen BatchNorm1d scale is never touched.
/// </summary>
internal static class BackboneInit
{
    /// <summary>insightface IResNet: every convolution N(0, 0.1); linear layers keep the PyTorch default.</summary>
    public static void IResNet(nn.Module root)
    {
        using var _ = no_grad();
        foreach (var conv in root.modules().OfType<Conv2d>())
        {
            nn.init.normal_(conv.weight!, mean: 0, std: 0.1);
        }
    }

    /// <summary>
    /// insightface MobileFaceNet: convolutions and linear layers He-normal with fan-out (ReLU gain),
    /// biases zero.
    /// </summary>
    public static void KaimingFanOut(nn.Module root)
    {
        using var _ = no_grad();
        foreach (var module in root.modules())
        {
            var (weight, bias) = module switch
            {
                Conv2d conv => (conv.weight, conv.bias),
                Linear linear => (linear.weight, linear.bias),
                _ => (null, null),
            };
            if (weight is null)
            {
                continue;
            }

            nn.init.kaiming_normal_(weight, mode: nn.init.FanInOut.FanOut, nonlinearity: nn.init.NonlinearityType.ReLU);
            bias?.zero_();
        }
    }
}
