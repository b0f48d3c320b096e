
namespace KappaFace.MLNet.Data;

/// <summary>
/// Labelled face images, decoded and resized, held in memory as bytes.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="Pixels"/> holds <see cref="Count"/> images of 3 x <see cref="ImageSize"/> x
/// <see cref="ImageSize"/> bytes, one after another: for each image the R plane, then the G plane, then
/// the B plane, each row-major (CHW), values 0..255. This is the layout ML.NET's <c>ExtractPixels</c>
/// emits with its defaults (and the ONNX model's <c>input</c>, docs/onnx-model.md), as bytes rather than
/// floats to take a quarter of the memory.
/// </para>
/// <para>
/// Invariants: labels lie in 0..<see cref="ClassCount"/>-1 and every class has at least one image.
/// The set is immutable.
/// </para>
/// </remarks>
public sealed class FaceImageSet
{
    private readonly byte[] _pixels;
    private readonly int[] _labels;
    private readonly string[] _classNames;
    private readonly string[] _sources;

    // Takes ownership of the arrays: callers inside the library build them fresh.
    private FaceImageSet(int imageSize, byte[] pixels, int[] labels, string[] classNames, string[] sources)
    {
        ImageSize = imageSize;
        _pixels = pixels;
        _labels = labels;
        _classNames = classNames;
        _sources = sources;
        Labels = Array.AsReadOnly(labels);
        ClassNames = Array.AsReadOnly(classNames);
        Sources = Array.AsReadOnly(sources);
    }

    /// <summary>The side S of the square images, in pixels.</summary>
    public int ImageSize { get; }

    /// <summary>The number of images.</summary>
    public int Count => _labels.Length;

    /// <summary>The bytes of one image: 3 x S x S.</summary>
    public int BytesPerImage => ImageLayout.BytesPerImage(ImageSize);

    /// <summary>The class (identity) names; a label is an index into this list.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>The number of classes.</summary>
    public int ClassCount => _classNames.Length;

    /// <summary>The class label (0..<see cref="ClassCount"/>-1) of each image.</summary>
    public IReadOnlyList<int> Labels { get; }

    /// <summary>Where each image came from: a file path, or a synthetic identifier.</summary>
    public IReadOnlyList<string> Sources { get; }

    /// <summary>All images, contiguous: Count x 3 x S x S bytes, RGB planes (CHW), 0..255.</summary>
    public ReadOnlyMemory<byte> Pixels => _pixels;

    /// <summary>The 3 x S x S bytes of one image (RGB planes, CHW).</summary>
    /// <param name="index">The image index, 0..Count-1.</param>
    public ReadOnlySpan<byte> GetPixels(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return _pixels.AsSpan(index * BytesPerImage, BytesPerImage);
    }

    /// <summary>The number of images of each class, in label order (a new array each call).</summary>
    public long[] ClassCounts()
    {
        var counts = new long[ClassCount];
        foreach (int label in _labels)
        {
            counts[label]++;
        }

        return counts;
    }

    /// <summary>
    /// Creates a set from pixels already in the layout of <see cref="Pixels"/> (for tests and synthetic
    /// data). The pixels are copied.
    /// </summary>
    /// <param name="imageSize">The side S of the square images.</param>
    /// <param name="pixels">labels.Count x 3 x S x S bytes, RGB planes (CHW).</param>
    /// <param name="labels">The class label of each image, 0..classNames.Count-1.</param>
    /// <param name="classNames">Distinct class names; every class must have at least one image.</param>
    /// <param name="sources">Where each image came from; defaults to <c>pixels/&lt;index&gt;</c>.</param>
    /// <exception cref="ArgumentException">The sizes do not agree, a label is out of range, a class
    /// name is repeated or a class has no image.</exception>
    public static FaceImageSet FromPixels(
        int imageSize,
        ReadOnlySpan<byte> pixels,
        IReadOnlyList<int> labels,
        IReadOnlyList<string> classNames,
        IReadOnlyList<string>? sources = null)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(classNames);
        string[] sourceArray = sources?.ToArray() ?? Enumerable.Range(0, labels.Count).Select(i => $"pixels/{i}").ToArray();
        return Create(imageSize, pixels.ToArray(), labels.ToArray(), classNames.ToArray(), sourceArray);
    }

    /// <summary>Creates a set that takes ownership of freshly built arrays (no copy), after validation.</summary>
    internal static FaceImageSet FromOwnedPixels(int imageSize, byte[] pixels, int[] labels, string[] classNames, string[] sources) =>
        Create(imageSize, pixels, labels, classNames, sources);

    /// <summary>
    /// Loads an image folder (<c>DIR/&lt;identity&gt;/&lt;image&gt;</c>): each image is decoded once,
    /// converted to RGB and resized to <paramref name="imageSize"/> x <paramref name="imageSize"/>.
    /// Checks only that each file decodes (<see cref="FaceFolderLoadOptions.DecodeOnly"/>); the overload
    /// with <see cref="FaceFolderLoadOptions"/> also rejects tiny images and duplicates and can skip bad input.
    /// </summary>
    /// <remarks>
    /// <para>Labels follow <see cref="ImageFolder.Scan(string)"/>: identities sorted ordinally, images sorted
    /// ordinally within each identity. Files are decoded in parallel; the result does not depend on the
    /// order in which they finish.</para>
    /// <para>Resize mode: centre crop to a square, then scale with Skia's high-quality filter. Faces keep
    /// their aspect ratio (a stretched face is a different face), as with ML.NET's <c>ResizeImages</c>
    /// default (<c>IsoCrop</c>, centre anchor). Aligned crops are already square, so they are only scaled;
    /// images already S x S are copied unchanged.</para>
    /// <para>Greyscale images become RGB with three equal planes. Transparent pixels are composited over
    /// black.</para>
    /// </remarks>
    /// <param name="directory">The data folder.</param>
    /// <param name="imageSize">The side S of the square output images.</param>
    /// <param name="progress">Receives the number of images decoded so far.</param>
    /// <exception cref="FaceDataException">The folder layout is wrong (see <see cref="ImageFolder.Scan(string)"/>)
    /// or an image cannot be read or decoded; <see cref="FaceDataException.Path"/> names the first such
    /// file in label order.</exception>
    public static FaceImageSet LoadFolder(string directory, int imageSize, IProgress<int>? progress = null)
    {
        ImageLayout.ValidateImageSize(imageSize);
        return LoadFolder(ImageFolder.Scan(directory), imageSize, progress);
    }

    /// <summary>
    /// Loads the images of a folder already scanned with <see cref="ImageFolder.Scan(string)"/> (for callers that
    /// report <see cref="ImageFolderScan.IgnoredPaths"/> first). Decoding, resizing and labels are as in
    /// <see cref="LoadFolder(string, int, IProgress{int})"/>.
    /// </summary>
    /// <param name="scan">The scanned folder.</param>
    /// <param name="imageSize">The side S of the square output images.</param>
    /// <param name="progress">Receives the number of images decoded so far.</param>
    /// <exception cref="FaceDataException">An image cannot be read or decoded.</exception>
    public static FaceImageSet LoadFolder(ImageFolderScan scan, int imageSize, IProgress<int>? progress = null) =>
        LoadFolder(scan, imageSize, FaceFolderLoadOptions.DecodeOnly, out _, progress);

    /// <summary>
    /// Loads an image folder as <see cref="LoadFolder(string, int, IProgress{int})"/> does, applying
    /// <paramref name="options"/> to bad input (docs/reliability.md (Bad input)): under
    /// <see cref="BadImagePolicy.Skip"/> bad files and empty identity folders are left out and listed in
    /// <paramref name="report"/>; byte-identical copies within an identity are dropped (the first is kept).
    /// Each image is decoded once. Labels are the ordinal order of the identities that are kept.
    /// </summary>
    /// <param name="directory">The data folder.</param>
    /// <param name="imageSize">The side S of the square output images.</param>
    /// <param name="options">The policy and checks.</param>
    /// <param name="report">Everything left out, converted, ignored or worth a warning.</param>
    /// <param name="progress">Receives the number of images decoded so far.</param>
    /// <exception cref="FaceDataException">The folder cannot be scanned; bad input under
    /// <see cref="BadImagePolicy.Fail"/> (naming the first in label order; <see cref="FaceDataException.Report"/>
    /// lists all of it); or no usable image is left.</exception>
    public static FaceImageSet LoadFolder(string directory, int imageSize, FaceFolderLoadOptions options, out FaceDataReport report, IProgress<int>? progress = null)
    {
        ImageLayout.ValidateImageSize(imageSize);
        return LoadFolder(ImageFolder.Scan(directory, allowUnusableIdentities: true), imageSize, options, out report, progress);
    }

    /// <summary>Loads an already scanned folder with a bad-input policy (see
    /// <see cref="LoadFolder(string, int, FaceFolderLoadOptions, out FaceDataReport, IProgress{int})"/>).</summary>
    /// <param name="scan">The scanned folder.</param>
    /// <param name="imageSize">The side S of the square output images.</param>
    /// <param name="options">The policy and checks.</param>
    /// <param name="report">Everything left out, converted, ignored or worth a warning.</param>
    /// <param name="progress">Receives the number of images decoded so far.</param>
    /// <exception cref="FaceDataException">Bad input under <see cref="BadImagePolicy.Fail"/>, or no usable image is left.</exception>
    public static FaceImageSet LoadFolder(ImageFolderScan scan, int imageSize, FaceFolderLoadOptions options, out FaceDataReport report, IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(scan);
        ArgumentNullException.ThrowIfNull(options);
        ImageLayout.ValidateImageSize(imageSize);
        ImageFolderLoader.LoadedImages loaded = ImageFolderLoader.Load(scan, imageSize, options, progress);
        report = loaded.Report;
        return FromOwnedPixels(imageSize, loaded.Pixels, loaded.Labels, loaded.ClassNames, loaded.Sources);
    }

    /// <summary>
    /// The images at <paramref name="indices"/>, in that order. Classes with no image left are dropped and
    /// the rest relabelled densely (0..C'-1), keeping their order in <see cref="ClassNames"/>.
    /// </summary>
    /// <param name="indices">Distinct image indices.</param>
    /// <exception cref="ArgumentException">An index is out of range or repeated.</exception>
    public FaceImageSet Subset(IReadOnlyList<int> indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        var taken = new bool[Count];
        var classKept = new bool[ClassCount];
        foreach (int index in indices)
        {
            if ((uint)index >= (uint)Count)
            {
                throw new ArgumentException($"Image index {index} is outside 0..{Count - 1}.", nameof(indices));
            }

            if (taken[index])
            {
                throw new ArgumentException($"Image index {index} appears more than once.", nameof(indices));
            }

            taken[index] = true;
            classKept[_labels[index]] = true;
        }

        // Dense relabelling in the old label order keeps class names in their original (sorted) order.
        var newLabelOf = new int[ClassCount];
        var classNames = new List<string>();
        for (int c = 0; c < ClassCount; c++)
        {
            newLabelOf[c] = classKept[c] ? classNames.Count : -1;
            if (classKept[c])
            {
                classNames.Add(_classNames[c]);
            }
        }

        int bytesPerImage = BytesPerImage;
        var pixels = new byte[(long)indices.Count * bytesPerImage];
        var labels = new int[indices.Count];
        var sources = new string[indices.Count];
        for (int i = 0; i < indices.Count; i++)
        {
            int index = indices[i];
            _pixels.AsSpan(index * bytesPerImage, bytesPerImage).CopyTo(pixels.AsSpan(i * bytesPerImage));
            labels[i] = newLabelOf[_labels[index]];
            sources[i] = _sources[index];
        }

        return new FaceImageSet(ImageSize, pixels, labels, [.. classNames], sources);
    }

    /// <summary>
    /// Splits the set into identity-disjoint training and validation sets: a seeded random choice of
    /// round(<paramref name="validationFraction"/> x <see cref="ClassCount"/>) identities, at least 2 when
    /// the fraction is above zero, goes to validation with all their images. Each part keeps image order
    /// and is relabelled densely (see <see cref="Subset"/>).
    /// </summary>
    /// <param name="validationFraction">The share of identities for validation, in [0, 1). Zero gives an
    /// empty validation set.</param>
    /// <param name="seed">Seeds the choice of identities.</param>
    /// <exception cref="ArgumentOutOfRangeException">The fraction is outside [0, 1).</exception>
    /// <exception cref="ArgumentException">Too few identities: each part needs at least 2.</exception>
    public (FaceImageSet Train, FaceImageSet Validation) SplitByIdentity(double validationFraction, int seed)
    {
        bool[] isValidation = IdentitySplit.ChooseValidation(ClassCount, validationFraction, seed);
        var train = new List<int>();
        var validation = new List<int>();
        for (int i = 0; i < Count; i++)
        {
            (isValidation[_labels[i]] ? validation : train).Add(i);
        }

        return (Subset(train), Subset(validation));
    }

    // The one place where the invariants of a set are checked.
    private static FaceImageSet Create(int imageSize, byte[] pixels, int[] labels, string[] classNames, string[] sources)
    {
        ImageLayout.ValidateImageSize(imageSize);
        long expected = ImageLayout.TotalBytes(labels.Length, imageSize);
        if (pixels.Length != expected)
        {
            throw new ArgumentException(
                $"{labels.Length} images of 3x{imageSize}x{imageSize} need {expected} bytes, but {pixels.Length} were given.",
                nameof(pixels));
        }

        if (sources.Length != labels.Length)
        {
            throw new ArgumentException($"{sources.Length} sources were given for {labels.Length} images.", nameof(sources));
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string name in classNames)
        {
            if (name is null || !seen.Add(name))
            {
                throw new ArgumentException($"Class name '{name}' is missing or repeated.", nameof(classNames));
            }
        }

        var counts = new long[classNames.Length];
        for (int i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)classNames.Length)
            {
                throw new ArgumentException($"Label {labels[i]} of image {i} is outside 0..{classNames.Length - 1}.", nameof(labels));
            }

            counts[labels[i]]++;
        }

        int empty = Array.IndexOf(counts, 0L);
        if (empty >= 0)
        {
            throw new ArgumentException($"Class '{classNames[empty]}' has no image; every class needs at least one.", nameof(labels));
        }

        return new FaceImageSet(imageSize, pixels, labels, classNames, sources);
    }
}
