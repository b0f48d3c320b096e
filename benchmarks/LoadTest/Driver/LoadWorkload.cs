namespace KappaFace.MLNet.LoadTesting;

/// <summary>
/// Synthetic images (random pixels 0..255 as RGB planes, 3 x H x H floats each) and pairs of them.
/// Pixel content does not change the cost of a convolutional network, and fixed seeds make every run
/// score the same pairs.
/// </summary>
internal sealed class LoadWorkload
{
    private LoadWorkload(float[][] images, (int A, int B)[] pairs, int inputSize)
    {
        Images = images;
        Pairs = pairs;
        InputSize = inputSize;
    }

    /// <summary>The images, 3 x H x H values each.</summary>
    public IReadOnlyList<float[]> Images { get; }

    /// <summary>Pairs of image indices (never an image with itself).</summary>
    public IReadOnlyList<(int A, int B)> Pairs { get; }

    /// <summary>H.</summary>
    public int InputSize { get; }

    /// <summary>Creates <paramref name="imageCount"/> images and <paramref name="pairCount"/> pairs of them.</summary>
    public static LoadWorkload Create(int inputSize, int imageCount, int pairCount, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(imageCount, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(pairCount, 1);
#pragma warning disable CA5394 // Test pixels, not security.
        var random = new Random(seed);
        var images = new float[imageCount][];
        for (int i = 0; i < imageCount; i++)
        {
            images[i] = new float[3 * inputSize * inputSize];
            for (int k = 0; k < images[i].Length; k++)
            {
                images[i][k] = random.Next(256);
            }
        }
        var pairs = new (int, int)[pairCount];
        for (int p = 0; p < pairCount; p++)
        {
            int a = random.Next(imageCount);
            pairs[p] = (a, (a + 1 + random.Next(imageCount - 1)) % imageCount);
        }
#pragma warning restore CA5394
        return new LoadWorkload(images, pairs, inputSize);
    }

    /// <summary>The two images of pair <paramref name="pair"/>.</summary>
    public (float[] A, float[] B) Pair(int pair) => (Images[Pairs[pair].A], Images[Pairs[pair].B]);
}
