using System.Globalization;
using KappaFace.MLNet.Data;
using Xunit;

namespace KappaFace.MLNet.Data.Tests;

public class FaceImageSetTests
{
    // Five 2x2 images; every byte of image i is 10 * i + channel, so copies can be traced.
    private const int Size = 2;
    private static readonly int[] FiveLabels = [0, 1, 2, 1, 0];
    private static readonly string[] ThreeNames = ["ann", "bob", "cat"];

    private static FaceImageSet FiveImages() =>
        FaceImageSet.FromPixels(Size, TracePixels(5), FiveLabels, ThreeNames);

    private static byte[] TracePixels(int count)
    {
        var pixels = new byte[count * 3 * Size * Size];
        for (int i = 0; i < count; i++)
        {
            for (int channel = 0; channel < 3; channel++)
            {
                pixels.AsSpan((i * 12) + (channel * 4), 4).Fill((byte)((10 * i) + channel));
            }
        }

        return pixels;
    }

    [Fact]
    public void FromPixels_exposes_layout_labels_and_counts()
    {
        FaceImageSet set = FiveImages();

        Assert.Equal(5, set.Count);
        Assert.Equal(3, set.ClassCount);
        Assert.Equal(12, set.BytesPerImage);
        Assert.Equal([2L, 2L, 1L], set.ClassCounts());
        Assert.Equal("pixels/3", set.Sources[3]);
        Assert.Equal(new byte[] { 30, 30, 30, 30, 31, 31, 31, 31, 32, 32, 32, 32 }, set.GetPixels(3).ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => set.GetPixels(5).Length);
    }

    [Fact]
    public void FromPixels_copies_the_caller_buffer()
    {
        byte[] pixels = TracePixels(5);
        FaceImageSet set = FaceImageSet.FromPixels(Size, pixels, FiveLabels, ThreeNames);

        pixels[0] = 99;

        Assert.Equal(0, set.Pixels.Span[0]);
    }

    [Fact]
    public void FromPixels_rejects_a_wrong_buffer_length()
    {
        var error = Assert.Throws<ArgumentException>(() => FaceImageSet.FromPixels(Size, new byte[59], FiveLabels, ThreeNames));
        Assert.Contains("5 images of 3x2x2 need 60 bytes, but 59 were given", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromPixels_rejects_bad_labels_and_names()
    {
        byte[] pixels = TracePixels(5);
        Assert.Contains("Label 3 of image 1", Assert.Throws<ArgumentException>(
            () => FaceImageSet.FromPixels(Size, pixels, [0, 3, 2, 1, 0], ThreeNames)).Message, StringComparison.Ordinal);
        Assert.Contains("'cat' has no image", Assert.Throws<ArgumentException>(
            () => FaceImageSet.FromPixels(Size, pixels, [0, 1, 1, 1, 0], ThreeNames)).Message, StringComparison.Ordinal);
        Assert.Contains("'ann' is missing or repeated", Assert.Throws<ArgumentException>(
            () => FaceImageSet.FromPixels(Size, pixels, FiveLabels, ["ann", "ann", "cat"])).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => FaceImageSet.FromPixels(Size, pixels, FiveLabels, ThreeNames, ["only one"]));
    }

    [Fact]
    public void Subset_keeps_the_given_order_and_relabels_remaining_classes_densely_in_name_order()
    {
        FaceImageSet set = FiveImages();

        // Images 3 (bob), 1 (bob) and 4 (ann): 'cat' disappears, 'ann' stays before 'bob'.
        FaceImageSet subset = set.Subset([3, 1, 4]);

        Assert.Equal(["ann", "bob"], subset.ClassNames);
        Assert.Equal([1, 1, 0], subset.Labels);
        Assert.Equal(["pixels/3", "pixels/1", "pixels/4"], subset.Sources);
        Assert.True(subset.GetPixels(0).SequenceEqual(set.GetPixels(3)));
        Assert.True(subset.GetPixels(1).SequenceEqual(set.GetPixels(1)));
        Assert.True(subset.GetPixels(2).SequenceEqual(set.GetPixels(4)));
    }

    [Fact]
    public void Subset_rejects_repeated_and_out_of_range_indices()
    {
        FaceImageSet set = FiveImages();

        Assert.Contains("appears more than once", Assert.Throws<ArgumentException>(() => set.Subset([1, 2, 1])).Message, StringComparison.Ordinal);
        Assert.Contains("outside 0..4", Assert.Throws<ArgumentException>(() => set.Subset([5])).Message, StringComparison.Ordinal);
        Assert.Equal(0, set.Subset([]).Count);
    }

    private static FaceImageSet Identities(int classes, int imagesPerClass)
    {
        int count = classes * imagesPerClass;
        int[] labels = Enumerable.Range(0, count).Select(i => i % classes).ToArray();
        string[] names = Enumerable.Range(0, classes).Select(c => $"id{c:D2}").ToArray();
        return FaceImageSet.FromPixels(1, new byte[count * 3], labels, names);
    }

    [Theory]
    [InlineData(20, 0.3, 6)]
    [InlineData(20, 0.25, 5)]
    [InlineData(10, 0.05, 2)] // round(0.5) = 1, raised to the minimum of 2
    [InlineData(7, 0.5, 4)] // round(3.5) = 4, midpoints away from zero
    [InlineData(10, 0.0, 0)]
    public void SplitByIdentity_is_identity_disjoint_with_the_right_sizes(int classes, double fraction, int validationClasses)
    {
        FaceImageSet set = Identities(classes, 3);

        (FaceImageSet train, FaceImageSet validation) = set.SplitByIdentity(fraction, seed: 5);

        Assert.Equal(validationClasses, validation.ClassCount);
        Assert.Equal(classes - validationClasses, train.ClassCount);
        Assert.Empty(train.ClassNames.Intersect(validation.ClassNames));
        Assert.Equal(set.Count, train.Count + validation.Count);
        Assert.Equal(set.Sources.Order(), train.Sources.Concat(validation.Sources).Order());
        // Each part keeps the original image order and the class-name order.
        Assert.Equal(train.Sources.OrderBy(s => int.Parse(s["pixels/".Length..], CultureInfo.InvariantCulture)), train.Sources);
        Assert.Equal(train.ClassNames.Order(StringComparer.Ordinal), train.ClassNames);
        Assert.All(train.ClassCounts(), count => Assert.Equal(3, count));
    }

    [Fact]
    public void SplitByIdentity_is_deterministic_per_seed()
    {
        FaceImageSet set = Identities(30, 2);

        var first = set.SplitByIdentity(0.2, seed: 1).Validation.ClassNames;
        var again = set.SplitByIdentity(0.2, seed: 1).Validation.ClassNames;
        var other = set.SplitByIdentity(0.2, seed: 2).Validation.ClassNames;

        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
    }

    [Theory]
    [InlineData(0.2, 1)]
    [InlineData(0.5, 7)]
    public void A_scanned_folder_splits_into_the_same_identities_as_the_loaded_set(double fraction, int seed)
    {
        // Streamed training splits the scan, in-memory training the set: both must hold out the same people.
        var identities = Enumerable.Range(0, 12)
            .Select(c => new ImageFolderIdentity($"id{c:D2}", $"/data/id{c:D2}", [.. Enumerable.Range(0, 1 + (c % 3)).Select(i => $"/data/id{c:D2}/{i}.png")]))
            .ToList();
        var scan = new ImageFolderScan("/data", identities, ["/data/notes.txt"]);
        int[] labels = [.. identities.SelectMany((identity, c) => identity.Images.Select(_ => c))];
        FaceImageSet set = FaceImageSet.FromPixels(16, new byte[labels.Length * 3 * 16 * 16], labels, [.. identities.Select(i => i.Name)]);

        var (scanTrain, scanValidation) = scan.SplitByIdentity(fraction, seed);
        var (setTrain, setValidation) = set.SplitByIdentity(fraction, seed);

        Assert.Equal(setValidation.ClassNames, scanValidation.Identities.Select(i => i.Name));
        Assert.Equal(setTrain.ClassNames, scanTrain.Identities.Select(i => i.Name));
        Assert.Equal(setValidation.Count, scanValidation.ImageCount);
        Assert.Equal(["/data/notes.txt"], scanTrain.IgnoredPaths);
        Assert.Throws<ArgumentException>(() => scan.SplitByIdentity(0.9, seed));
    }

    [Fact]
    public void SplitByIdentity_rejects_too_few_identities_and_bad_fractions()
    {
        FaceImageSet set = Identities(3, 2);

        var error = Assert.Throws<ArgumentException>(() => set.SplitByIdentity(0.5, seed: 1));
        Assert.Contains("takes 2 of 3 identities", error.Message, StringComparison.Ordinal);
        Assert.Contains("at least 4 identities", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => set.SplitByIdentity(1.0, seed: 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => set.SplitByIdentity(-0.1, seed: 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => set.SplitByIdentity(double.NaN, seed: 1));
    }
}
