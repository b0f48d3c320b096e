namespace KappaFace.MLNet.Data.Detection;

/// <summary>
/// The fixed layout of a RetinaFace-format detector (docs/alignment.md, "The detector contract"): the
/// input preprocessing, the prior (anchor) grid the outputs are ordered by, and the decoding constants.
/// These are the values of the Pytorch_Retinaface project's configurations (Deng et al., "RetinaFace:
/// Single-stage Dense Face Localisation in the Wild", CVPR 2020), shared by its MobileNet-0.25 and
/// ResNet-50 exports.
/// </summary>
public static class RetinaFaceLayout
{
    /// <summary>Input tensor name.</summary>
    public const string InputName = "input";

    /// <summary>Box regression output, [batch, P, 4].</summary>
    public const string LocName = "loc";

    /// <summary>Class probabilities output (softmax applied), [batch, P, 2]; column 1 is "face".</summary>
    public const string ConfName = "conf";

    /// <summary>Landmark regression output, [batch, P, 10].</summary>
    public const string LandmarksName = "landms";

    /// <summary>Variance of the centre offsets.</summary>
    public const float CentreVariance = 0.1f;

    /// <summary>Variance of the log size offsets.</summary>
    public const float SizeVariance = 0.2f;

    /// <summary>The per-channel means subtracted from B, G, R (values 0..255, no scaling).</summary>
    public static ReadOnlySpan<float> BgrMean => [104f, 117f, 123f];

    /// <summary>Feature-map strides, in prior order.</summary>
    public static ReadOnlySpan<int> Strides => [8, 16, 32];

    /// <summary>The two anchor sizes (pixels) of each stride, in the order of <see cref="Strides"/>.</summary>
    public static ReadOnlySpan<int> AnchorSizes => [16, 32, 64, 128, 256, 512];

    /// <summary>Anchors per feature-map cell.</summary>
    public const int AnchorsPerCell = 2;

    /// <summary>The number of priors P of a height x width input.</summary>
    public static int PriorCount(int height, int width)
    {
        int count = 0;
        foreach (int stride in Strides)
        {
            count += AnchorsPerCell * CeilDiv(height, stride) * CeilDiv(width, stride);
        }

        return count;
    }

    /// <summary>
    /// The priors of a height x width input, 4 floats each (centre x, centre y, width, height as fractions
    /// of the input's width and height): for each stride, each row, each column, each of its two anchor sizes.
    /// </summary>
    public static float[] Priors(int height, int width)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        var priors = new float[4 * PriorCount(height, width)];
        int k = 0;
        for (int s = 0; s < Strides.Length; s++)
        {
            int stride = Strides[s];
            int rows = CeilDiv(height, stride);
            int columns = CeilDiv(width, stride);
            for (int i = 0; i < rows; i++)
            {
                for (int j = 0; j < columns; j++)
                {
                    for (int a = 0; a < AnchorsPerCell; a++)
                    {
                        int anchor = AnchorSizes[(AnchorsPerCell * s) + a];
                        priors[k++] = (float)((j + 0.5) * stride / width);
                        priors[k++] = (float)((i + 0.5) * stride / height);
                        priors[k++] = (float)anchor / width;
                        priors[k++] = (float)anchor / height;
                    }
                }
            }
        }

        return priors;
    }

    private static int CeilDiv(int value, int divisor) => (value + divisor - 1) / divisor;
}
