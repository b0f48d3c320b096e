using KappaFace.MLNet.Data;
using KappaFace.MLNet.Synthetic.Rendering;

namespace KappaFace.MLNet.Synthetic;

/// <summary>
/// A face-like synthetic data set made in code (no files), for the <c>kappaface demo</c> command and
/// for tests.
/// </summary>
/// <remarks>
/// <para>Each identity has stable traits: face shape and jaw, skin tone, eye spacing, size, tilt and
/// colour, brows, nose, mouth shape and lips, hair colour, style and hairline, ears, and for some
/// glasses, facial hair or a mole. Each image varies pose (rotation, shift, scale, yaw drawn as a
/// sideways shift and squeeze of the features, pitch), expression (smile, open mouth, blink, brows,
/// gaze), lighting (direction on a head-shaped surface, brightness, contrast, colour cast), background,
/// clothes and noise. Identities are told apart by the combination of traits under that variation, so
/// an untrained network does only moderately well and a trained one much better.</para>
/// <para>Image counts per identity are long-tailed: Zipf-like from
/// <see cref="SyntheticFaceOptions.MaxImagesPerIdentity"/> down to
/// <see cref="SyntheticFaceOptions.MinImagesPerIdentity"/>.</para>
/// <para>The output depends only on the options: every identity and image has its own seeded stream,
/// so images are rendered in parallel with the same result. Class names are <c>synth0000</c>, ...;
/// sources are <c>synthetic/&lt;class&gt;/&lt;image&gt;</c>.</para>
/// </remarks>
public static class SyntheticFaces
{
    // Stream numbers that keep the seeded streams of counts, identities and images apart.
    private const long CountStream = -1;
    private const long NoiseStreamOffset = 1L << 32;

    /// <summary>Generates the data set described by <paramref name="options"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public static FaceImageSet Generate(SyntheticFaceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();

        int[] counts = LongTailCounts.Zipf(
            options.Identities, options.MaxImagesPerIdentity, options.MinImagesPerIdentity, DeterministicRandom.ForStream(options.Seed, CountStream));
        var traits = new FaceTraits[options.Identities];
        var classNames = new string[options.Identities];
        for (int identity = 0; identity < options.Identities; identity++)
        {
            traits[identity] = FaceTraits.Sample(DeterministicRandom.ForStream(options.Seed, identity));
            classNames[identity] = $"synth{identity:D4}";
        }

        int total = counts.Sum();
        var labels = new int[total];
        var imageIndex = new int[total];
        var sources = new string[total];
        int next = 0;
        for (int identity = 0; identity < options.Identities; identity++)
        {
            for (int k = 0; k < counts[identity]; k++)
            {
                labels[next] = identity;
                imageIndex[next] = k;
                sources[next] = $"synthetic/{classNames[identity]}/{k:D4}";
                next++;
            }
        }

        int size = options.ImageSize;
        int bytesPerImage = ImageLayout.BytesPerImage(size);
        byte[] pixels = ImageLayout.AllocatePixels(total, size);
        Parallel.For(0, total, i =>
        {
            int identity = labels[i];
            long item = imageIndex[i] + 1; // item 0 of an identity's stream is its traits
            FaceVariation variation = FaceVariation.Sample(DeterministicRandom.ForStream(options.Seed, identity, item), options);
            var noise = DeterministicRandom.ForStream(options.Seed, identity, item + NoiseStreamOffset);
            new FaceRenderer(traits[identity], variation, size).Render(pixels.AsSpan(i * bytesPerImage, bytesPerImage), noise);
        });

        return FaceImageSet.FromOwnedPixels(size, pixels, labels, classNames, sources);
    }
}
