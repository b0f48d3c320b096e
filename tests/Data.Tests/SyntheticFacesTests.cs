using KappaFace.MLNet.Data;
using KappaFace.MLNet.Synthetic;
using KappaFace.MLNet.Transforms.Evaluation;
using Xunit;

namespace KappaFace.MLNet.Data.Tests;

public class SyntheticFacesTests
{
    private static readonly SyntheticFaceOptions Small = new() { Identities = 12, ImageSize = 32, MaxImagesPerIdentity = 8, MinImagesPerIdentity = 2, Seed = 3 };

    [Fact]
    public void The_same_options_give_the_same_images_and_another_seed_does_not()
    {
        FaceImageSet first = SyntheticFaces.Generate(Small);
        FaceImageSet again = SyntheticFaces.Generate(Small);
        FaceImageSet other = SyntheticFaces.Generate(Small with { Seed = 4 });

        Assert.True(first.Pixels.Span.SequenceEqual(again.Pixels.Span));
        Assert.Equal(first.Labels, again.Labels);
        Assert.Equal(first.Sources, again.Sources);
        Assert.False(first.Pixels.Span.SequenceEqual(other.Pixels.Span));
    }

    [Fact]
    public void Image_counts_are_long_tailed_from_max_down_to_min()
    {
        FaceImageSet set = SyntheticFaces.Generate(new SyntheticFaceOptions { Identities = 60, ImageSize = 16, Seed = 1 });

        long[] counts = set.ClassCounts();
        Assert.Equal(60, set.ClassCount);
        Assert.Equal(30, counts.Max());
        Assert.Equal(3, counts.Min());
        // Zipf-like: most identities sit in the tail, a few hold many images.
        Assert.True(counts.Count(c => c <= 10) > 30, string.Join(",", counts));
        Assert.True(counts.Count(c => c >= 20) <= 5, string.Join(",", counts));
        Assert.Equal("synth0000", set.ClassNames[0]);
        Assert.Equal("synthetic/synth0000/0000", set.Sources[0]);
    }

    [Theory]
    [InlineData(32)]
    [InlineData(56)]
    [InlineData(112)]
    public void Images_of_one_identity_are_closer_to_each_other_than_to_other_identities_but_not_identical(int size)
    {
        FaceImageSet set = SyntheticFaces.Generate(new SyntheticFaceOptions
        {
            Identities = 20, ImageSize = size, MaxImagesPerIdentity = 6, MinImagesPerIdentity = 6, Seed = 11,
        });

        double within = 0;
        double between = 0;
        int withinCount = 0;
        int betweenCount = 0;
        double smallestWithin = double.MaxValue;
        for (int a = 0; a < set.Count; a++)
        {
            for (int b = a + 1; b < set.Count; b++)
            {
                double distance = Distance(set.GetPixels(a), set.GetPixels(b));
                if (set.Labels[a] == set.Labels[b])
                {
                    within += distance;
                    withinCount++;
                    smallestWithin = Math.Min(smallestWithin, distance);
                }
                else
                {
                    between += distance;
                    betweenCount++;
                }
            }
        }

        within /= withinCount;
        between /= betweenCount;
        Assert.True(within < 0.9 * between, $"mean within-identity L2 {within:F0} vs between {between:F0}");
        Assert.True(smallestWithin > 0.1 * within, $"two images of one identity are (nearly) identical: {smallestWithin:F0}");
    }

    [Fact]
    public void Raw_pixels_verify_identities_only_moderately_so_a_network_has_something_to_learn()
    {
        FaceImageSet set = SyntheticFaces.Generate(new SyntheticFaceOptions { Identities = 40, ImageSize = 32, Seed = 2 });
        int dimension = set.BytesPerImage;
        var features = new float[set.Count * dimension];
        for (int i = 0; i < set.Count; i++)
        {
            // Mean-centred pixels: the cosine then ignores overall brightness, like a crude embedding.
            ReadOnlySpan<byte> pixels = set.GetPixels(i);
            float mean = (float)pixels.ToArray().Average(b => (double)b);
            for (int k = 0; k < dimension; k++)
            {
                features[(i * dimension) + k] = pixels[k] - mean;
            }
        }

        IReadOnlyList<FacePair> pairs = PairGenerator.Balanced(set.Labels, 1000, seed: 1);
        float[] scores = CosineSimilarity.ScorePairs(features, dimension, pairs);
        VerificationMetrics metrics = new VerificationEvaluator().Evaluate(scores, pairs.Select(p => p.Same).ToArray());

        // Better than chance (identities differ) but far from solved (variation hides them).
        Assert.InRange(metrics.Accuracy, 0.55, 0.88);
    }

    [Fact]
    public void Images_are_not_flat()
    {
        FaceImageSet set = SyntheticFaces.Generate(Small with { NoiseLevel = 0 });

        for (int i = 0; i < set.Count; i++)
        {
            byte[] pixels = set.GetPixels(i).ToArray();
            Assert.True(pixels.Max() - pixels.Min() > 100, $"image {i} has little contrast");
        }
    }

    [Theory]
    [InlineData(nameof(SyntheticFaceOptions.Identities))]
    [InlineData(nameof(SyntheticFaceOptions.ImageSize))]
    [InlineData(nameof(SyntheticFaceOptions.MinImagesPerIdentity))]
    [InlineData(nameof(SyntheticFaceOptions.MaxImagesPerIdentity))]
    [InlineData(nameof(SyntheticFaceOptions.NoiseLevel))]
    public void Options_out_of_range_are_rejected_by_name(string option)
    {
        SyntheticFaceOptions bad = option switch
        {
            nameof(SyntheticFaceOptions.Identities) => Small with { Identities = 1 },
            nameof(SyntheticFaceOptions.ImageSize) => Small with { ImageSize = 8 },
            nameof(SyntheticFaceOptions.MinImagesPerIdentity) => Small with { MinImagesPerIdentity = 0 },
            nameof(SyntheticFaceOptions.MaxImagesPerIdentity) => Small with { MaxImagesPerIdentity = 1 },
            _ => Small with { NoiseLevel = double.NaN },
        };

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => SyntheticFaces.Generate(bad));
        Assert.Equal(option, error.ParamName);
    }

    private static double Distance(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double d = a[i] - b[i];
            sum += d * d;
        }

        return Math.Sqrt(sum);
    }
}
