using KappaFace.MLNet.Data.Detection;

namespace KappaFace.MLNet.Data.Alignment;

/// <summary>
/// The seam for commands and pipelines that take photos where crops are expected (e.g. <c>embed</c>,
/// <c>verify</c> and <c>evaluate</c> with <c>--detector</c>): one aligned crop per photo, photos detected in
/// batches of <see cref="DetectionSettings.MaxBatch"/>, under the policies of <see cref="FolderAlignmentOptions"/>.
/// </summary>
public static class PhotoFaces
{
    /// <summary>One result per photo, in order: its crop in <see cref="PhotoAlignment.Faces"/>[0], or why it was skipped.</summary>
    /// <param name="detector">The face detector.</param>
    /// <param name="paths">The photo files (also their names in reports).</param>
    /// <param name="options">Crop size, <see cref="FaceSelection.Best"/> or <see cref="FaceSelection.Largest"/>, and policies.</param>
    /// <param name="cancellationToken">Checked between batches.</param>
    /// <exception cref="ArgumentException"><see cref="FaceSelection.All"/>: one crop per photo is expected here.</exception>
    /// <exception cref="FaceDataException">Under a Fail policy, the first bad file or photo without a usable face.</exception>
    public static IReadOnlyList<PhotoAlignment> Crops(
        FaceDetector detector, IReadOnlyList<string> paths, FolderAlignmentOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(detector);
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Faces == FaceSelection.All)
        {
            throw new ArgumentException("One crop per photo is taken here: choose the best or the largest face, not all.", nameof(options));
        }

        var results = new List<PhotoAlignment>(paths.Count);
        foreach (string[] chunk in paths.Chunk(detector.Settings.MaxBatch))
        {
            cancellationToken.ThrowIfCancellationRequested();
            results.AddRange(PhotoAligner.Align(detector, chunk, chunk, options));
        }

        return results;
    }

    /// <summary>Decodes a photo (orientation applied), detects its faces and returns the best one aligned to S x S.</summary>
    /// <exception cref="FaceDataException">The file is bad, or no usable face scores above the detector's threshold.</exception>
    public static RgbImage BestCrop(FaceDetector detector, string path, int size) =>
        Crops(detector, [path], new FolderAlignmentOptions { Size = size })[0].Faces[0].Crop;

}
