using TorchSharp;
using static TorchSharp.torch;

namespace KappaFace.MLNet.Trainer.Platform;

/// <summary>
/// A 2-d convolution that gives the right values and gradients for every channel count on the CPU.
/// </summary>
/// <remarks>
/// <para>libtorch-cpu 2.10 runs float32 convolutions through oneDNN 3.7. On AVX2 and AVX-512 CPUs its
/// blocked kernels return wrong results for many grouped-by-one, larger-than-1x1 shapes whose channel counts
/// are not multiples of 64: the input gradient of a 4-to-6-channel 3x3 convolution was wrong in 10 of 10
/// draws with one thread (occasionally NaN with two), the forward output of a 24-to-40-channel stride-2 one
/// in 8 of 10, the input gradient of a 48-to-48 stride-2 one in 3 of 3 (compared with float64 and with plain
/// loops; docs/finetuning.md, "Convolutions with unusual channel counts"). Capping oneDNN at SSE4.1 makes them
/// right, so the fault is in the vectorised kernels, not in the shapes.</para>
/// <para>Shapes every backbone of ours uses were right in the same comparison: 1x1 kernels, depthwise
/// convolutions, and grouped-by-one ones from 3 (an image) or a multiple of 64 channels to a multiple of 64.
/// Those go to libtorch unchanged, at full speed. Every other shape is computed as unfold (im2col) and one
/// matrix product per group, which uses neither oneDNN path and whose backward is a fold and two products.</para>
/// </remarks>
public static class CheckedConvolution
{
    /// <summary>Whether libtorch's own convolution is trusted for this weight shape and grouping.</summary>
    /// <param name="weight">The kernel <c>[C_out, C_in / groups, kH, kW]</c>.</param>
    /// <param name="groups">The number of groups.</param>
    public static bool IsTrusted(Tensor weight, long groups)
    {
        ArgumentNullException.ThrowIfNull(weight);
        long outChannels = weight.shape[0];
        long inChannels = weight.shape[1] * groups;
        bool pointwise = weight.shape[2] == 1 && weight.shape[3] == 1;
        bool depthwise = groups > 1 && groups == inChannels && groups == outChannels;
        bool wideDense = groups == 1 && outChannels % 64 == 0 && (inChannels % 64 == 0 || inChannels <= 3);
        return pointwise || depthwise || wideDense;
    }

    /// <summary>
    /// The convolution of <paramref name="input"/> <c>[N, C_in, H, W]</c> with <paramref name="weight"/>, as
    /// <c>torch.nn.functional.conv2d</c> with the same arguments computes it mathematically.
    /// </summary>
    /// <param name="input">The input <c>[N, C_in, H, W]</c>.</param>
    /// <param name="weight">The kernel <c>[C_out, C_in / groups, kH, kW]</c>.</param>
    /// <param name="bias">The bias <c>[C_out]</c>, or null.</param>
    /// <param name="strides">Strides (height, width).</param>
    /// <param name="padding">Symmetric zero padding (height, width).</param>
    /// <param name="dilation">Dilation (height, width).</param>
    /// <param name="groups">The number of groups.</param>
    public static Tensor Conv2d(Tensor input, Tensor weight, Tensor? bias, long[] strides, long[] padding, long[] dilation, long groups)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(weight);
        if (IsTrusted(weight, groups))
        {
            return nn.functional.conv2d(input, weight, bias, strides: strides, padding: padding, dilation: dilation, groups: groups);
        }

        return Unfolded(input, weight, bias, strides, padding, dilation, groups);
    }

    /// <summary>The convolution as unfold and a batched matrix product per group.</summary>
    private static Tensor Unfolded(Tensor input, Tensor weight, Tensor? bias, long[] strides, long[] padding, long[] dilation, long groups)
    {
        using var scope = NewDisposeScope();
        long n = input.shape[0], height = input.shape[2], width = input.shape[3];
        long outChannels = weight.shape[0], kh = weight.shape[2], kw = weight.shape[3];
        long outHeight = ((height + (2 * padding[0]) - (dilation[0] * (kh - 1)) - 1) / strides[0]) + 1;
        long outWidth = ((width + (2 * padding[1]) - (dilation[1] * (kw - 1)) - 1) / strides[1]) + 1;

        // [N, C_in kH kW, L] grouped as [N, G, C_in/G kH kW, L]; unfold orders a column channel-major, as the kernel is.
        var columns = nn.functional.unfold(input, (kh, kw), (dilation[0], dilation[1]), (padding[0], padding[1]), (strides[0], strides[1]));
        columns = columns.reshape(n, groups, -1, outHeight * outWidth);
        var kernels = weight.reshape(groups, outChannels / groups, -1);
        var output = kernels.matmul(columns).reshape(n, outChannels, outHeight, outWidth);
        if (bias is not null)
        {
            output = output.add(bias.reshape(1, outChannels, 1, 1), StableScalars.One);
        }

        return output.MoveToOuterDisposeScope();
    }
}
