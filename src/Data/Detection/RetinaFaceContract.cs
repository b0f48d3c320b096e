using System.Globalization;
using KappaFace.MLNet.Onnx;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace KappaFace.MLNet.Data.Detection;

/// <summary>
/// Checks a loaded session against the RetinaFace layout (<see cref="RetinaFaceLayout"/>): one float32 input
/// <c>input</c> [batch, 3, H, W] and float32 outputs <c>loc</c> [batch, P, 4], <c>conf</c> [batch, P, 2] and
/// <c>landms</c> [batch, P, 10]. Anything else is refused with an <see cref="OnnxModelException"/> naming the
/// model and the difference, since other detector families (SCRFD, YOLO-face, ...) put boxes and points in
/// other tensors that this decoding would misread silently.
/// </summary>
internal static class RetinaFaceContract
{
    private const string Expected =
        "a RetinaFace-format detector takes 'input' float32 [batch, 3, H, W] and returns 'loc' [batch, P, 4], 'conf' [batch, P, 2] and 'landms' [batch, P, 10] (docs/alignment.md)";

    /// <summary>The fixed input (height, width) of the graph, or null when both are dynamic.</summary>
    public static (int Height, int Width)? Check(InferenceSession session, string source)
    {
        var inputs = session.InputMetadata;
        if (inputs.Count != 1 || !inputs.TryGetValue(RetinaFaceLayout.InputName, out var input))
        {
            throw Bad(source, $"its inputs are ({string.Join(", ", inputs.Keys)}); {Expected}");
        }

        int[] dims = Tensor(source, "input", RetinaFaceLayout.InputName, input, 4);
        if (dims[1] != 3)
        {
            throw Bad(source, $"input '{RetinaFaceLayout.InputName}' has {Describe(dims)} channels in dimension 1 (NHWC export?); {Expected}");
        }

        var outputs = session.OutputMetadata;
        foreach (var (name, width) in new[] { (RetinaFaceLayout.LocName, 4), (RetinaFaceLayout.ConfName, 2), (RetinaFaceLayout.LandmarksName, 10) })
        {
            if (!outputs.TryGetValue(name, out var output))
            {
                throw Bad(source, $"it has no output '{name}' (outputs: {string.Join(", ", outputs.Keys)}); {Expected}");
            }

            int[] outDims = Tensor(source, "output", name, output, 3);
            if (outDims[2] != width)
            {
                throw Bad(source, $"output '{name}' has shape {Describe(outDims)}; its last dimension must be {width}. {Expected}");
            }
        }

        bool fixedHeight = dims[2] > 0, fixedWidth = dims[3] > 0;
        if (fixedHeight != fixedWidth)
        {
            throw Bad(source, $"input '{RetinaFaceLayout.InputName}' has shape {Describe(dims)}: H and W must be both fixed or both dynamic");
        }

        return fixedHeight ? (dims[2], dims[3]) : null;
    }

    /// <summary>Checks that a run returned [n, P, width] for the priors of an H x W input.</summary>
    public static void CheckRunShape(string source, string name, ReadOnlySpan<long> shape, int n, int height, int width, int perPrior)
    {
        int priors = RetinaFaceLayout.PriorCount(height, width);
        if (shape.Length != 3 || shape[0] != n || shape[1] != priors || shape[2] != perPrior)
        {
            throw Bad(source,
                $"output '{name}' came back as [{string.Join(", ", shape.ToArray())}] for a batch of {n} {width}x{height} images; "
                + $"the RetinaFace prior grid (strides 8, 16, 32, two anchors per cell) needs [{n}, {priors}, {perPrior}]: "
                + "the model uses other strides or anchors than docs/alignment.md describes");
        }
    }

    private static int[] Tensor(string source, string kind, string name, NodeMetadata meta, int rank)
    {
        if (!meta.IsTensor || meta.ElementDataType != TensorElementType.Float)
        {
            throw Bad(source, $"{kind} '{name}' is not a float32 tensor; {Expected}");
        }

        if (meta.Dimensions.Length != rank)
        {
            throw Bad(source, $"{kind} '{name}' has rank {meta.Dimensions.Length} {Describe(meta.Dimensions)}; expected rank {rank}. {Expected}");
        }

        return meta.Dimensions;
    }

    private static string Describe(int[] dims) =>
        "[" + string.Join(", ", dims.Select(d => d >= 0 ? d.ToString(CultureInfo.InvariantCulture) : "?")) + "]";

    private static OnnxModelException Bad(string source, string problem) => new(source, "not a RetinaFace-format detector: " + problem);
}
