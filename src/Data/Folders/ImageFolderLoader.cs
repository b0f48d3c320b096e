namespace KappaFace.MLNet.Data;

/// <summary>
/// Decodes every image of a scanned folder once, in parallel, optionally into one pixel buffer, and applies
/// the bad-input policy (<see cref="FaceFolderAudit"/>) to what it found.
/// </summary>
internal static class ImageFolderLoader
{
    /// <summary>The decoded images that were kept, in label order, and the report.</summary>
    public sealed record LoadedImages(byte[] Pixels, int[] Labels, string[] ClassNames, string[] Sources, FaceDataReport Report);

    /// <summary>How one file decoded: a failure, or what was learnt about it.</summary>
    public readonly record struct FileOutcome(FaceDataException? Failure, FaceImageDecoder.DecodedFile Decoded);

    /// <summary>Decodes all images of <paramref name="scan"/> at <paramref name="imageSize"/> and keeps the usable ones.</summary>
    /// <exception cref="FaceDataException">Bad input under <see cref="BadImagePolicy.Fail"/>, or nothing usable is left.</exception>
    public static LoadedImages Load(ImageFolderScan scan, int imageSize, FaceFolderLoadOptions options, IProgress<int>? progress)
    {
        string[] files = scan.LabelledFiles().Files;
        byte[] pixels = ImageLayout.AllocatePixels(files.Length, imageSize);
        int bytesPerImage = ImageLayout.BytesPerImage(imageSize);
        FileOutcome[] outcomes = DecodeAll(files, options, progress, (i, file) =>
            FaceImageDecoder.DecodeInto(file, imageSize, pixels.AsSpan(i * bytesPerImage, bytesPerImage), FaceImageDecoder.DecodeChecks.From(options)));
        FaceFolderAudit.Result audit = FaceFolderAudit.Decide(scan, outcomes, options);

        // Each kept image moves down to its place among the kept ones (never up), then the buffer is cut
        // to size; only a load that left something out pays for the copy.
        var labels = new int[audit.Usable.ImageCount];
        var sources = new string[labels.Length];
        int next = 0;
        for (int i = 0; i < files.Length; i++)
        {
            if (audit.Keep[i])
            {
                if (next != i)
                {
                    pixels.AsSpan(i * bytesPerImage, bytesPerImage).CopyTo(pixels.AsSpan(next * bytesPerImage));
                }

                sources[next] = files[i];
                next++;
            }
        }

        next = 0;
        for (int label = 0; label < audit.Usable.Identities.Count; label++)
        {
            foreach (string _ in audit.Usable.Identities[label].Images)
            {
                labels[next++] = label;
            }
        }

        if (labels.Length != files.Length)
        {
            pixels = pixels.AsSpan(0, labels.Length * bytesPerImage).ToArray();
        }

        string[] classNames = audit.Usable.Identities.Select(identity => identity.Name).ToArray();
        return new LoadedImages(pixels, labels, classNames, sources, audit.Report);
    }

    /// <summary>Runs <paramref name="decode"/> on every file in parallel; failures are collected, not thrown.</summary>
    public static FileOutcome[] DecodeAll(
        string[] files,
        FaceFolderLoadOptions options,
        IProgress<int>? progress,
        Func<int, string, FaceImageDecoder.DecodedFile> decode)
    {
        options.Validate();
        var outcomes = new FileOutcome[files.Length];
        var progressGate = new object();
        int decoded = 0;

        // Each file writes only its own slot, so the result is the same whatever order threads finish in.
        Parallel.For(0, files.Length, i =>
        {
            try
            {
                outcomes[i] = new FileOutcome(null, decode(i, files[i]));
            }
            catch (FaceDataException e)
            {
                // Collected rather than thrown: the policy decides, and under Fail the error names the first
                // bad file in label order, not the first one a thread happened to finish.
                outcomes[i] = new FileOutcome(e, default);
            }

            if (progress is not null)
            {
                // The lock keeps reported counts increasing.
                lock (progressGate)
                {
                    progress.Report(++decoded);
                }
            }
        });

        return outcomes;
    }
}
