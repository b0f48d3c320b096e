using Google.Protobuf;
using KappaFace.MLNet.Data.Detection;
using KappaFace.MLNet.Onnx.Graph;

namespace KappaFace.MLNet.Data.Tests.Detection;

/// <summary>
/// Hand-built ONNX models with the RetinaFace output layout: per stride, a 1x1 convolution with that stride
/// (so its map is ceil(H/s) x ceil(W/s)), channels split into two anchors, transposed to
/// [batch, cells * 2, values] and concatenated over strides, with softmax on conf: the head layout of the
/// Pytorch_Retinaface project, on a network with no hidden layer.
/// </summary>
internal static class TinyRetinaFace
{
    /// <summary>Per-output weights: value (anchor, channel) at stride index s from input channel c, plus bias.</summary>
    public delegate (float Weight, float Bias) Parameter(string output, int strideIndex, int anchor, int channel, int inputChannel);

    /// <summary>
    /// A detector whose stride-8, anchor-0 prior fires where the input's blue plane is bright (B = 255 gives
    /// a face probability of about 1, B = 0 about 0); every other prior scores about 0, and loc and landms
    /// is 0, so a face is exactly its prior box; the landmarks sit at fixed offsets from the prior centre
    /// (<see cref="LandmarkOffsets"/>, or <paramref name="landmarkOffsets"/>, times 0.1 x the anchor size),
    /// spread like a face's.
    /// </summary>
    public static byte[] BlueDotDetector(float[]? landmarkOffsets = null) => Build((output, s, a, ch, c) => output switch
    {
        RetinaFaceLayout.LandmarksName => (0f, (landmarkOffsets ?? LandmarkOffsets)[ch]),
        // Channel 1 of conf is the face logit: 0.1 * (B - 104) - 5 for anchor 0 of stride 8; background logit 0.
        RetinaFaceLayout.ConfName when ch == 1 && s == 0 && a == 0 => (c == 0 ? 0.1f : 0f, -5f),
        RetinaFaceLayout.ConfName when ch == 1 => (0f, -30f),
        _ => (0f, 0f),
    });

    /// <summary>The landms biases of <see cref="BlueDotDetector"/>: x0, y0, ..., x4, y4.</summary>
    public static readonly float[] LandmarkOffsets = [-2f, -1f, 2f, -1f, 0f, 0.5f, -1.5f, 2f, 1.5f, 2f];

    /// <summary>A detector with seeded random weights: arbitrary but deterministic outputs for plumbing checks.</summary>
    public static byte[] Random(int seed)
    {
        var random = new Random(seed);
        var cache = new Dictionary<(string, int, int, int, int), (float, float)>();
        return Build((output, s, a, ch, c) =>
        {
            var key = (output, s, a, ch, c);
            if (!cache.TryGetValue(key, out var value))
            {
                // Face logits spread so that a few priors pass 0.5; offsets in the range real models give.
                float scale = output == RetinaFaceLayout.ConfName ? 0.05f : 0.01f;
                value = ((float)((random.NextDouble() - 0.5) * 2 * scale), output == RetinaFaceLayout.ConfName && ch == 1 ? -2f : 0f);
                cache[key] = value;
            }

            return value;
        });
    }

    /// <summary>Builds the model; <paramref name="parameter"/> gives every weight and bias.</summary>
    public static byte[] Build(Parameter parameter, string inputName = RetinaFaceLayout.InputName, string? locName = null)
    {
        var b = new OnnxGraphBuilder("tiny-retinaface");
        b.AddInput(inputName, "batch", 3, "height", "width");
        var outputs = new[] { (Name: locName ?? RetinaFaceLayout.LocName, Values: 4), (Name: RetinaFaceLayout.ConfName, Values: 2), (Name: RetinaFaceLayout.LandmarksName, Values: 10) };
        string[] final = new string[3];
        for (int o = 0; o < outputs.Length; o++)
        {
            var (name, values) = outputs[o];
            string layoutName = o == 0 ? RetinaFaceLayout.LocName : name;
            var parts = new List<string>();
            for (int s = 0; s < RetinaFaceLayout.Strides.Length; s++)
            {
                int stride = RetinaFaceLayout.Strides[s];
                int channels = RetinaFaceLayout.AnchorsPerCell * values;
                var weights = new float[channels * 3];
                var biases = new float[channels];
                for (int a = 0; a < RetinaFaceLayout.AnchorsPerCell; a++)
                {
                    for (int ch = 0; ch < values; ch++)
                    {
                        int k = (a * values) + ch;
                        for (int c = 0; c < 3; c++)
                        {
                            var (w, bias) = parameter(layoutName, s, a, ch, c);
                            weights[(k * 3) + c] = w;
                            biases[k] = bias;
                        }
                    }
                }

                string w0 = b.AddInitializer(b.UniqueName($"{name}_w{s}"), weights, channels, 3, 1, 1);
                string b0 = b.AddInitializer(b.UniqueName($"{name}_b{s}"), biases, channels);
                string conv = b.AddNode("Conv", [inputName, w0, b0], b.UniqueName($"{name}_conv{s}"), OnnxAttr.OfInts("strides", stride, stride), OnnxAttr.OfInts("kernel_shape", 1, 1));
                string t = b.AddNode("Transpose", [conv], b.UniqueName($"{name}_t{s}"), OnnxAttr.OfInts("perm", 0, 2, 3, 1));
                string shape = b.AddInitializer(b.UniqueName($"{name}_shape{s}"), [0L, -1L, values], 3);
                parts.Add(b.AddNode("Reshape", [t, shape], b.UniqueName($"{name}_r{s}")));
            }

            string joined = b.AddNode("Concat", parts, o == 1 ? b.UniqueName("conf_logits") : name, OnnxAttr.OfInt("axis", 1));
            final[o] = o == 1 ? b.AddNode("Softmax", [joined], name, OnnxAttr.OfInt("axis", 2)) : joined;
            b.AddOutput(final[o], "batch", "priors", values);
        }

        return b.Build("tests", "1").ToByteArray();
    }
}
