namespace KappaFace.MLNet.Trainer.Tests.Backbones;

/// <summary>
/// Parameter counts worked out by hand from the published layer tables (insightface arcface_torch's iresnet.py
/// for IResNet; the MobileFaceNet paper / insightface table at width 1), independent of the code
/// under test: a convolution has out x in/groups x k x k weights and no bias, a batch norm 2 per
/// channel, a PReLU 1 per channel.
/// </summary>
internal static class ReferenceParameterCounts
{
    private static long Conv(long cin, long cout, long k, long groups = 1) => cout * (cin / groups) * k * k;

    private static long Bn(long c) => 2 * c;

    private static long ConvBnPrelu(long cin, long cout, long k, long groups = 1) => Conv(cin, cout, k, groups) + Bn(cout) + cout;

    /// <summary>IResNet with the given blocks per stage.</summary>
    public static long IResNet(int[] blocks, int inputSize, int embedding)
    {
        long total = ConvBnPrelu(3, 64, 3);
        long[] widths = [64, 128, 256, 512];
        long cin = 64;
        for (var stage = 0; stage < 4; stage++)
        {
            var c = widths[stage];
            for (var b = 0; b < blocks[stage]; b++)
            {
                var input = b == 0 ? cin : c;
                total += Bn(input) + Conv(input, c, 3) + Bn(c) + c + Conv(c, c, 3) + Bn(c);
                if (b == 0)
                {
                    total += Conv(input, c, 1) + Bn(c); // every stage's first block strides 2
                }
            }

            cin = c;
        }

        long side = inputSize / 16;
        total += Bn(512);                                   // BN2d before flatten
        total += 512 * side * side * embedding + embedding; // linear with bias
        total += Bn(embedding);                             // BatchNorm1d (scale counted, though frozen)
        return total;
    }

    /// <summary>MobileFaceNet (width 1), whose GDC kernel is S/16.</summary>
    public static long MobileFaceNet(int inputSize, int embedding)
    {
        static long Bottleneck(long cin, long cout, long expanded)
            => ConvBnPrelu(cin, expanded, 1) + ConvBnPrelu(expanded, expanded, 3, expanded) + Conv(expanded, cout, 1) + Bn(cout);

        long total = ConvBnPrelu(3, 64, 3) + ConvBnPrelu(64, 64, 3, 64);
        total += Bottleneck(64, 64, 128) + 4 * Bottleneck(64, 64, 128);
        total += Bottleneck(64, 128, 256) + 6 * Bottleneck(128, 128, 256);
        total += Bottleneck(128, 128, 512) + 2 * Bottleneck(128, 128, 256);
        total += ConvBnPrelu(128, 512, 1);
        long side = inputSize / 16;
        total += Conv(512, 512, side, 512) + Bn(512);   // linear GDC
        total += 512L * embedding + Bn(embedding);       // linear without bias, BatchNorm1d
        return total;
    }

    /// <summary>The tiny test network: conv3x3 stride 2 to 16, 32, 64, 64 channels, then the head.</summary>
    public static long Tiny(int inputSize, int embedding)
    {
        long total = ConvBnPrelu(3, 16, 3) + ConvBnPrelu(16, 32, 3) + ConvBnPrelu(32, 64, 3) + ConvBnPrelu(64, 64, 3);
        long side = inputSize / 16;
        total += 64 * side * side * embedding + Bn(embedding);
        return total;
    }
}
