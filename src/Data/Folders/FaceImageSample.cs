namespace KappaFace.MLNet.Data;

/// <summary>
/// A deterministic sample of the images under a folder (any depth): up to N files spread evenly over
/// the ordinal-sorted list, so every identity folder is represented, decoded with the training
/// loader's rules (<see cref="FaceImageFile"/>) into float pixels 0..255. Used to calibrate int8
/// quantisation on the images the model will see.
/// </summary>
public static class FaceImageSample
{
    /// <summary>Picks and decodes up to <paramref name="maxImages"/> images.</summary>
    /// <param name="directory">The folder (searched recursively for png, jpg, jpeg, bmp, webp).</param>
    /// <param name="imageSize">The model's input side S.</param>
    /// <param name="maxImages">The most images to take.</param>
    /// <param name="skipped">Files picked but not decodable, with the reason (they are left out).</param>
    /// <returns>Images as 3 x S x S floats (RGB planes).</returns>
    /// <exception cref="FaceDataException">The folder does not exist, holds no images, or none of the picked images decodes.</exception>
    public static IReadOnlyList<float[]> Load(string directory, int imageSize, int maxImages, out IReadOnlyList<FaceDataIssue> skipped)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxImages);
        if (!Directory.Exists(directory))
        {
            throw new FaceDataException($"Image folder '{directory}' does not exist.");
        }

        var files = ImageFolder.ImagesUnder(directory).ToArray();
        if (files.Length == 0)
        {
            throw new FaceDataException(
                $"Image folder '{directory}' holds no images ({string.Join(", ", ImageFolder.ImageExtensions.Order(StringComparer.Ordinal))}).");
        }

        int take = Math.Min(maxImages, files.Length);
        var images = new List<float[]>(take);
        var issues = new List<FaceDataIssue>();
        for (int i = 0; i < take; i++)
        {
            string file = files[(int)((long)i * files.Length / take)];
            try
            {
                images.Add(Array.ConvertAll(FaceImageFile.Decode(file, imageSize), b => (float)b));
            }
            catch (FaceDataException e)
            {
                issues.Add(new FaceDataIssue(FaceDataIssueKind.Corrupt, file, e.Message));
            }
        }

        if (images.Count == 0)
        {
            throw new FaceDataException($"None of the {take} images picked from '{directory}' could be decoded; the first: {issues[0].Reason}");
        }

        skipped = issues;
        return images;
    }
}
