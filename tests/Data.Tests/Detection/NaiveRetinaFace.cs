using KappaFace.MLNet.Data.Detection;
using Microsoft.ML.OnnxRuntime;

namespace KappaFace.MLNet.Data.Tests.Detection;

/// <summary>
/// An independent re-computation of the detector for one image: its own BGR-mean input, its own ORT session,
/// and the decoding of the best prior written straight from the model description (prior by position index).
/// </summary>
internal static class NaiveRetinaFace
{
    /// <summary>The best prior's score, box and landmarks, in the pixels of <paramref name="image"/> (no scaling).</summary>
    public static (float Score, float[] Box, float[] Landmarks) Best(InferenceSession session, RgbImage image)
    {
        int h = image.Height, w = image.Width;
        var input = new float[3 * h * w];
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                int i = 3 * ((y * w) + x);
                input[(0 * h * w) + (y * w) + x] = image.Pixels[i + 2] - 104f;
                input[(1 * h * w) + (y * w) + x] = image.Pixels[i + 1] - 117f;
                input[(2 * h * w) + (y * w) + x] = image.Pixels[i] - 123f;
            }
        }

        using var value = OrtValue.CreateTensorValueFromMemory(input, [1, 3, h, w]);
        using var outputs = session.Run(new RunOptions(), ["input"], [value], ["loc", "conf", "landms"]);
        float[] loc = outputs[0].GetTensorDataAsSpan<float>().ToArray();
        float[] conf = outputs[1].GetTensorDataAsSpan<float>().ToArray();
        float[] landms = outputs[2].GetTensorDataAsSpan<float>().ToArray();

        int best = 0;
        for (int p = 1; p < conf.Length / 2; p++)
        {
            if (conf[(2 * p) + 1] > conf[(2 * best) + 1])
            {
                best = p;
            }
        }

        // Walk the prior list to index `best`.
        int index = 0;
        int[][] anchors = [[16, 32], [64, 128], [256, 512]];
        int[] strides = [8, 16, 32];
        for (int s = 0; s < 3; s++)
        {
            for (int i = 0; i < (h + strides[s] - 1) / strides[s]; i++)
            {
                for (int j = 0; j < (w + strides[s] - 1) / strides[s]; j++)
                {
                    foreach (int a in anchors[s])
                    {
                        if (index++ != best)
                        {
                            continue;
                        }

                        double cx = (j + 0.5) * strides[s], cy = (i + 0.5) * strides[s];
                        double bx = cx + (0.1 * loc[4 * best] * a), by = cy + (0.1 * loc[(4 * best) + 1] * a);
                        double bw = a * Math.Exp(0.2 * loc[(4 * best) + 2]), bh = a * Math.Exp(0.2 * loc[(4 * best) + 3]);
                        var points = new float[10];
                        for (int k = 0; k < 5; k++)
                        {
                            points[2 * k] = (float)(cx + (0.1 * landms[(10 * best) + (2 * k)] * a));
                            points[(2 * k) + 1] = (float)(cy + (0.1 * landms[(10 * best) + (2 * k) + 1] * a));
                        }

                        return (conf[(2 * best) + 1], [(float)(bx - (bw / 2)), (float)(by - (bh / 2)), (float)(bx + (bw / 2)), (float)(by + (bh / 2))], points);
                    }
                }
            }
        }

        throw new InvalidOperationException("prior index out of range");
    }
}
