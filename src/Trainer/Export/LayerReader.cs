using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace KappaFace.MLNet.Trainer.Export;

/// <summary>
/// Reads TorchSharp layers into plain arrays and ONNX settings, rejecting settings the exported
/// graph could not reproduce (with the layer's path in the message). Values are copied to the CPU
/// as float32 whatever the module's device or dtype.
/// </summary>
internal static class LayerReader
{
    /// <summary>A tensor's values, row-major; empty for a null tensor (an absent bias).</summary>
    public static float[] Values(Tensor? tensor)
    {
        if (tensor is null)
        {
            return [];
        }

        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        return tensor.detach().cpu().to_type(ScalarType.Float32).contiguous().data<float>().ToArray();
    }

    /// <summary>The eval-mode parameters of a batch norm (running statistics, affine or not).</summary>
    public static BatchNormParameters BatchNorm(NormBase norm, string path)
    {
        if (!norm.track_running_stats || norm.running_mean is null || norm.running_var is null)
        {
            // Without running statistics eval mode normalises with the batch's own statistics, which
            // a fixed ONNX graph cannot express.
            throw new OnnxExportException(path, norm.GetType().Name, "it keeps no running statistics (track_running_stats = false)");
        }

        int channels = checked((int)norm.num_features);
        float[] gamma = norm.weight is null ? Enumerable.Repeat(1f, channels).ToArray() : Values(norm.weight);
        float[] beta = norm.bias is null ? new float[channels] : Values(norm.bias);
        return new BatchNormParameters(gamma, beta, Values(norm.running_mean), Values(norm.running_var), norm.eps);
    }

    /// <summary>A convolution's weights (<c>[out, in/groups, kh, kw]</c>), bias and geometry.</summary>
    public static (float[] Weights, long[] Shape, float[] Bias, ConvGeometry Geometry) Conv(Conv2d conv, string path)
    {
        if (conv.transposed)
        {
            throw new OnnxExportException(path, nameof(Conv2d), "transposed convolutions are not supported");
        }

        if (conv.padding_mode != PaddingModes.Zeros)
        {
            throw new OnnxExportException(path, nameof(Conv2d), $"padding mode {conv.padding_mode} is not supported (only zero padding)");
        }

        long[] pads;
        if (conv.padding_type is { } padding)
        {
            // 'same' padding depends on the kernel and dilation and may be asymmetric; the backbones
            // never use it, so it is refused rather than approximated.
            pads = padding == Padding.Valid
                ? [0, 0, 0, 0]
                : throw new OnnxExportException(path, nameof(Conv2d), $"padding '{padding}' is not supported (give explicit padding)");
        }
        else
        {
            long[] p = conv.padding ?? [0, 0];
            pads = [p[0], p[^1], p[0], p[^1]];
        }

        long[] shape = conv.weight!.shape;
        var geometry = new ConvGeometry(
            Kernel: [shape[2], shape[3]],
            Strides: Pair(conv.stride),
            Pads: pads,
            Dilations: Pair(conv.dilation),
            Groups: conv.groups);
        return (Values(conv.weight), shape, Values(conv.bias), geometry);
    }

    /// <summary>A linear layer's <c>[out, in]</c> weights and bias.</summary>
    public static (float[] Weights, long OutFeatures, long InFeatures, float[] Bias) Linear(Linear linear) =>
        (Values(linear.weight), linear.out_features, linear.in_features, Values(linear.bias));

    private static long[] Pair(long[]? values) => values is null || values.Length == 0 ? [1, 1] : [values[0], values[^1]];
}
