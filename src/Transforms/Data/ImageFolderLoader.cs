using System.Runtime.ExceptionServices;

namespace KappaFace.MLNet.Transforms.Data;

/// <summary>Decodes every image of a scanned folder, in parallel, into one pixel buffer.</summary>
internal static class ImageFolderLoader
{
    /// <summary>The decoded images, in label order.</summary>
    public sealed record LoadedImages(byte[] Pixels, int[] Labels, string[] Sources);

    /// <summary>Decodes all images of <paramref name="scan"/> at <paramref name="imageSize"/>.</summary>
    /// <exception cref="FaceDataException">An image cannot be read or decoded.</exception>
    public static LoadedImages Load(ImageFolderScan scan, int imageSize, IProgress<int>? progress)
    {
        int count = scan.ImageCount;
        var labels = new int[count];
        var sources = new string[count];
        int next = 0;
        for (int label = 0; label < scan.Identities.Count; label++)
        {
            foreach (string file in scan.Identities[label].Images)
            {
                labels[next] = label;
                sources[next] = file;
                next++;
            }
        }

        byte[] pixels = ImageLayout.AllocatePixels(count, imageSize);
        int bytesPerImage = ImageLayout.BytesPerImage(imageSize);
        var failures = new FaceDataException?[count];
        var progressGate = new object();
        int decoded = 0;

        // Each file writes only its own slot, so the result is the same whatever order threads finish in.
        Parallel.For(0, count, i =>
        {
            try
            {
                FaceImageDecoder.DecodeInto(sources[i], imageSize, pixels.AsSpan(i * bytesPerImage, bytesPerImage));
            }
            catch (FaceDataException e)
            {
                // Collected rather than thrown so the report can name the first bad file in label order
                // and count the others; this is also where a BadImagePolicy (skip) will plug in.
                failures[i] = e;
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

        ThrowIfAnyFailed(failures);
        return new LoadedImages(pixels, labels, sources);
    }

    private static void ThrowIfAnyFailed(FaceDataException?[] failures)
    {
        FaceDataException? first = Array.Find(failures, failure => failure is not null);
        if (first is null)
        {
            return;
        }

        int others = failures.Count(failure => failure is not null) - 1;
        if (others == 0)
        {
            ExceptionDispatchInfo.Capture(first).Throw();
        }

        throw new FaceDataException(
            first.Path ?? string.Empty,
            $"{first.Reason} (and {others} more bad image(s) in this folder)",
            first);
    }
}
