using KappaFace.MLNet.Onnx.Graph;
using KappaFace.MLNet.Onnx.Proto;
using KappaFace.MLNet.Trainer.Backbones;
using KappaFace.MLNet.Trainer.Platform;
using TorchSharp;
using static TorchSharp.torch;

namespace KappaFace.MLNet.Trainer.Import;

/// <summary>
/// The TorchSharp computation of each ONNX operator <see cref="OnnxGraphModule"/> supports, following
/// the ONNX operator specification (docs/Operators.md of the ONNX repository); settings with no
/// TorchSharp equivalent here (auto_pad other than NOTSET/VALID, non-2-d convolutions) fail naming the
/// node. Attribute forms of opsets before 11/13 (Clip bounds, Unsqueeze axes) are read as well as
/// the input forms.
/// </summary>
internal static class OnnxOperators
{
    /// <summary>Runs one node and returns its first output.</summary>
    public static Tensor Run(NodeProto node, Func<int, Tensor?> input, StableBatchNorm? norm, bool training)
    {
        Tensor X(int i) => input(i) ?? throw Fail(node, $"input {i} is missing");
        return node.OpType switch
        {
            "Conv" => Conv(node, X(0), X(1), input(2)),
            "BatchNormalization" => norm!.call(X(0)),
            "Relu" => nn.functional.relu(X(0)),
            "Clip" => Clip(node, X(0), input(1), input(2)),
            "PRelu" => PRelu(X(0), X(1)),
            "LeakyRelu" => nn.functional.leaky_relu(X(0), OnnxNodeAttributes.FloatOr(node, "alpha", 0.01f)),
            "Sigmoid" => torch.sigmoid(X(0)),
            "Tanh" => torch.tanh(X(0)),
            "Neg" => X(0).neg(),
            "Sqrt" => X(0).sqrt(),
            "Exp" => X(0).exp(),
            "Abs" => X(0).abs(),
            "Add" => StableScalars.Add(X(0), X(1)),
            "Sub" => StableScalars.Subtract(X(0), X(1)),
            "Mul" => X(0) * X(1),
            "Div" => X(0).dtype == ScalarType.Int64 ? X(0).div(X(1), RoundingMode.floor) : X(0) / X(1),
            "MatMul" => X(0).matmul(X(1)),
            "Gemm" => Gemm(node, X(0), X(1), input(2)),
            "Flatten" => Flatten(X(0), OnnxNodeAttributes.IntOr(node, "axis", 1)),
            "Shape" => torch.tensor(X(0).shape, ScalarType.Int64, X(0).device),
            "Gather" => Gather(X(0), X(1), OnnxNodeAttributes.IntOr(node, "axis", 0)),
            "Unsqueeze" => Unsqueeze(X(0), Axes(node, input(1)) ?? throw Fail(node, "it has no axes")),
            "Squeeze" => Squeeze(X(0), Axes(node, input(1))),
            "Concat" => torch.cat(node.Input.Select((_, i) => X(i)).ToList(), OnnxNodeAttributes.IntOr(node, "axis", 0)),
            "Reshape" => Reshape(X(0), X(1)),
            "Transpose" => X(0).permute(OnnxNodeAttributes.Ints(node, "perm") ?? [.. Enumerable.Range(0, (int)X(0).dim()).Reverse().Select(d => (long)d)]),
            "GlobalAveragePool" => X(0).mean(SpatialAxes(X(0)), keepdim: true),
            "GlobalMaxPool" => X(0).amax(SpatialAxes(X(0)), keepdim: true),
            "MaxPool" => MaxPool(node, X(0)),
            "AveragePool" => AveragePool(node, X(0)),
            "Identity" => X(0).alias(),
            "Dropout" => training ? nn.functional.dropout(X(0), DropoutRatio(node, input(1)), training: true) : X(0).alias(),
            "ReduceL2" => torch.linalg.vector_norm(X(0), 2, ReduceAxes(node, X(0), input(1)), OnnxNodeAttributes.IntOr(node, "keepdims", 1) == 1),
            "ReduceMean" => X(0).mean(ReduceAxes(node, X(0), input(1)), keepdim: OnnxNodeAttributes.IntOr(node, "keepdims", 1) == 1),
            _ => throw Fail(node, "the operator is not supported"),
        };
    }

    private static OnnxImportException Fail(NodeProto node, string problem) => new(node.Name, node.OpType, problem);

    private static Tensor Conv(NodeProto node, Tensor x, Tensor weight, Tensor? bias)
    {
        if (weight.dim() != 4)
        {
            throw Fail(node, $"only 2-d convolutions are supported (weight rank {weight.dim()})");
        }

        var (padded, padding) = Pad(node, x, [weight.shape[2], weight.shape[3]]);
        // Not nn.functional.conv2d directly: libtorch's CPU kernels are wrong for some channel counts a foreign
        // model may have (Platform/CheckedConvolution.cs).
        return CheckedConvolution.Conv2d(
            padded, weight, bias,
            strides: OnnxNodeAttributes.Ints(node, "strides") ?? [1, 1],
            padding: padding,
            dilation: OnnxNodeAttributes.Ints(node, "dilations") ?? [1, 1],
            groups: OnnxNodeAttributes.IntOr(node, "group", 1));
    }

    /// <summary>
    /// ONNX pads are [top, left, bottom, right]; symmetric ones become the layer's padding, others an
    /// explicit zero pad first (as PyTorch exports asymmetric "same" padding).
    /// </summary>
    private static (Tensor Input, long[] Padding) Pad(NodeProto node, Tensor x, long[] kernel)
    {
        string autoPad = OnnxNodeAttributes.TextOr(node, "auto_pad", "NOTSET");
        if (autoPad is not ("NOTSET" or "VALID"))
        {
            throw Fail(node, $"auto_pad = {autoPad} is not supported (re-export with explicit pads)");
        }

        long[] pads = autoPad == "VALID" ? [0, 0, 0, 0] : OnnxNodeAttributes.Ints(node, "pads") ?? [0, 0, 0, 0];
        _ = kernel;
        if (pads.Length != 4)
        {
            throw Fail(node, $"pads [{string.Join(", ", pads)}] are not 2-d");
        }

        return pads[0] == pads[2] && pads[1] == pads[3]
            ? (x, [pads[0], pads[1]])
            : (nn.functional.pad(x, [pads[1], pads[3], pads[0], pads[2]]), [0, 0]);
    }

    private static Tensor Clip(NodeProto node, Tensor x, Tensor? min, Tensor? max)
    {
        // Before opset 11 the bounds are attributes; from 11 on they are optional inputs.
        double low = min is not null ? min.ToSingle() : OnnxNodeAttributes.FloatOr(node, "min", float.NegativeInfinity);
        double high = max is not null ? max.ToSingle() : OnnxNodeAttributes.FloatOr(node, "max", float.PositiveInfinity);
        using Scalar lowScalar = low.ToScalar();
        using Scalar highScalar = high.ToScalar();
        return x.clamp(lowScalar, highScalar);
    }

    // Every Scalar handed to libtorch is held by a using until the call returns: an implicit temporary can be
    // finalised by a collection another thread triggers while the native call still reads it (StableBatchNorm).
    private static Tensor PRelu(Tensor x, Tensor slope)
    {
        using Scalar zero = 0.0.ToScalar();
        return torch.where(x.ge(zero), x, x * slope);
    }

    private static Tensor Gemm(NodeProto node, Tensor a, Tensor b, Tensor? c)
    {
        if (OnnxNodeAttributes.IntOr(node, "transA", 0) != 0)
        {
            a = a.t();
        }

        if (OnnxNodeAttributes.IntOr(node, "transB", 0) != 0)
        {
            b = b.t();
        }

        float alpha = OnnxNodeAttributes.FloatOr(node, "alpha", 1f);
        float beta = OnnxNodeAttributes.FloatOr(node, "beta", 1f);
        var y = a.matmul(b);
        if (alpha != 1f)
        {
            using Scalar alphaScalar = alpha.ToScalar();
            y = y.mul(alphaScalar);
        }

        if (c is null)
        {
            return y;
        }

        using Scalar betaScalar = beta.ToScalar();
        return StableScalars.Add(y, beta == 1f ? c : c.mul(betaScalar));
    }

    private static Tensor Flatten(Tensor x, long axis)
    {
        if (axis < 0)
        {
            axis += x.dim();
        }

        long outer = 1;
        for (int d = 0; d < axis; d++)
        {
            outer *= x.shape[d];
        }

        return x.reshape(outer, -1);
    }

    private static Tensor Gather(Tensor data, Tensor indices, long axis)
    {
        if (axis < 0)
        {
            axis += data.dim();
        }

        var index = indices.to_type(ScalarType.Int64);
        using (Scalar zero = 0L.ToScalar())
        using (Scalar size = data.shape[axis].ToScalar())
        {
            index = torch.where(index.lt(zero), index.add(size, StableScalars.One), index);
        }

        if (index.dim() == 0)
        {
            return data.select(axis, index.item<long>());
        }

        long[] shape = [.. data.shape[..(int)axis], .. index.shape, .. data.shape[(int)(axis + 1)..]];
        return data.index_select(axis, index.flatten()).reshape(shape);
    }

    private static long[]? Axes(NodeProto node, Tensor? axes) =>
        axes is not null ? axes.cpu().data<long>().ToArray() : OnnxNodeAttributes.Ints(node, "axes");

    private static Tensor Unsqueeze(Tensor x, long[] axes)
    {
        long rank = x.dim() + axes.Length;
        foreach (long axis in axes.Select(a => a < 0 ? a + rank : a).Order())
        {
            x = x.unsqueeze(axis);
        }

        return x;
    }

    private static Tensor Squeeze(Tensor x, long[]? axes)
    {
        if (axes is null)
        {
            return x.squeeze();
        }

        long rank = x.dim();
        foreach (long axis in axes.Select(a => a < 0 ? a + rank : a).OrderDescending())
        {
            x = x.squeeze(axis);
        }

        return x;
    }

    private static Tensor Reshape(Tensor x, Tensor shape)
    {
        long[] target = shape.cpu().data<long>().ToArray();
        for (int d = 0; d < target.Length; d++)
        {
            // 0 copies the input's dimension (allowzero = 0, the only form opset 13 has).
            if (target[d] == 0)
            {
                target[d] = x.shape[d];
            }
        }

        return x.reshape(target);
    }

    private static long[] SpatialAxes(Tensor x) => [.. Enumerable.Range(2, (int)x.dim() - 2).Select(d => (long)d)];

    private static long[] ReduceAxes(NodeProto node, Tensor x, Tensor? axesInput) =>
        Axes(node, axesInput) ?? [.. Enumerable.Range(0, (int)x.dim()).Select(d => (long)d)];

    private static (long[] Kernel, long[] Strides, long[] Padding, bool Ceil) PoolSettings(NodeProto node, Tensor x, out Tensor padded)
    {
        long[] kernel = OnnxNodeAttributes.Ints(node, "kernel_shape") ?? throw Fail(node, "it has no kernel_shape");
        if (kernel.Length != 2)
        {
            throw Fail(node, "only 2-d pooling is supported");
        }

        (padded, long[] padding) = Pad(node, x, kernel);
        return (kernel, OnnxNodeAttributes.Ints(node, "strides") ?? [1, 1], padding, OnnxNodeAttributes.IntOr(node, "ceil_mode", 0) != 0);
    }

    private static Tensor MaxPool(NodeProto node, Tensor x)
    {
        if (node.Output.Count > 1 && node.Output[1].Length > 0)
        {
            throw Fail(node, "its indices output is not supported");
        }

        var (kernel, strides, padding, ceil) = PoolSettings(node, x, out var padded);
        return nn.functional.max_pool2d(padded, kernel, strides, padding, OnnxNodeAttributes.Ints(node, "dilations") ?? [1, 1], ceil);
    }

    private static Tensor AveragePool(NodeProto node, Tensor x)
    {
        var (kernel, strides, padding, ceil) = PoolSettings(node, x, out var padded);
        bool countPadding = OnnxNodeAttributes.IntOr(node, "count_include_pad", 0) != 0;
        return nn.functional.avg_pool2d(padded, kernel, strides, padding, ceil, countPadding);
    }

    private static double DropoutRatio(NodeProto node, Tensor? ratio) =>
        ratio is not null ? ratio.ToSingle() : OnnxNodeAttributes.FloatOr(node, "ratio", 0.5f);
}
