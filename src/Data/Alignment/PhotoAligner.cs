using System.Globalization;
using KappaFace.MLNet.Data.Detection;

namespace KappaFace.MLNet.Data.Alignment;

/// <summary>What aligning one photo gave.</summary>
/// <param name="Name">The photo's name in reports (relative path for a folder, the path as given otherwise).</param>
/// <param name="Faces">The aligned crops, in the order of <see cref="FaceCropper.Select"/>; empty when skipped.</param>
/// <param name="FacesFound">Faces the detector found (usable or not).</param>
/// <param name="Dropped">Faces left out for degenerate landmarks.</param>
/// <param name="Conversion">What decoding changed (greyscale, CMYK, EXIF orientation, ...), or null.</param>
/// <param name="Skipped">Why the photo has no crop, or null when it has one.</param>
public sealed record PhotoAlignment(
    string Name, IReadOnlyList<AlignedFace> Faces, int FacesFound, IReadOnlyList<DroppedFace> Dropped, string? Conversion, SkippedPhoto? Skipped);

/// <summary>
/// The one place where photos become aligned crops under the policies of <see cref="FolderAlignmentOptions"/>:
/// decode (orientation applied, bad files per <see cref="FolderAlignmentOptions.OnBadImage"/>), detect the
/// readable photos in one batched call, drop faces with degenerate landmarks (<see cref="LandmarkGeometry"/>),
/// select (<see cref="FaceSelection"/>) and align. Photos without a usable face follow
/// <see cref="FolderAlignmentOptions.OnNoFace"/>. Used by <see cref="FolderAligner"/> and <see cref="PhotoFaces"/>.
/// </summary>
public static class PhotoAligner
{
    /// <summary>Aligns photos, one result per file in order; pass at most a detector batch or so at a time (all are decoded at once).</summary>
    /// <param name="detector">The face detector.</param>
    /// <param name="files">The photo files.</param>
    /// <param name="names">The name of each file in reports and errors (same count).</param>
    /// <param name="options">Crop size, face selection and policies.</param>
    /// <exception cref="NoFaceException">Under <see cref="NoFacePolicy.Fail"/>, a photo without a usable face.</exception>
    /// <exception cref="FaceDataException">Under <see cref="BadImagePolicy.Fail"/>, an unreadable or too large file.</exception>
    public static IReadOnlyList<PhotoAlignment> Align(FaceDetector detector, IReadOnlyList<string> files, IReadOnlyList<string> names, FolderAlignmentOptions options)
    {
        ArgumentNullException.ThrowIfNull(files);
        CheckArguments(detector, files.Count, names, options);

        var results = new PhotoAlignment[files.Count];
        var photos = new DecodedPhoto?[files.Count];
        for (int i = 0; i < files.Count; i++)
        {
            try
            {
                photos[i] = PhotoDecoder.Decode(files[i], options.MaximumImagePixels);
            }
            catch (FaceDataException e) when (e.Kind is not null && options.OnBadImage == BadImagePolicy.Skip)
            {
                var skipped = new SkippedPhoto(names[i], e.Reason ?? e.Message, e.Kind, PhotoSkipCause.BadImage);
                results[i] = new PhotoAlignment(names[i], [], 0, [], null, skipped);
            }
        }

        AlignDecoded(detector, photos, names, options, results);
        return results;
    }

    /// <summary>Aligns already decoded, upright photos, one result per photo in order (one batched detector call).</summary>
    /// <param name="detector">The face detector.</param>
    /// <param name="photos">The photos.</param>
    /// <param name="names">The name of each photo in reports and errors (same count).</param>
    /// <param name="options">Crop size, face selection and the no-face policy.</param>
    /// <exception cref="NoFaceException">Under <see cref="NoFacePolicy.Fail"/>, a photo without a usable face.</exception>
    public static IReadOnlyList<PhotoAlignment> Align(FaceDetector detector, IReadOnlyList<RgbImage> photos, IReadOnlyList<string> names, FolderAlignmentOptions options)
    {
        ArgumentNullException.ThrowIfNull(photos);
        CheckArguments(detector, photos.Count, names, options);

        var results = new PhotoAlignment[photos.Count];
        AlignDecoded(detector, [.. photos.Select(p => new DecodedPhoto(p, null))], names, options, results);
        return results;
    }

    private static void CheckArguments(FaceDetector detector, int count, IReadOnlyList<string> names, FolderAlignmentOptions options)
    {
        ArgumentNullException.ThrowIfNull(detector);
        ArgumentNullException.ThrowIfNull(names);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.Size);
        if (count != names.Count)
        {
            throw new ArgumentException($"{count} photos but {names.Count} names.", nameof(names));
        }
    }

    // Detects the decoded photos in one call and aligns each into its result slot (slots of unreadable photos are already filled).
    private static void AlignDecoded(FaceDetector detector, DecodedPhoto?[] photos, IReadOnlyList<string> names, FolderAlignmentOptions options, PhotoAlignment[] results)
    {
        int[] readable = [.. Enumerable.Range(0, photos.Length).Where(i => photos[i] is not null)];
        var faces = detector.Detect([.. readable.Select(i => photos[i]!.Image)]);
        for (int k = 0; k < readable.Length; k++)
        {
            int i = readable[k];
            results[i] = AlignOne(names[i], photos[i]!, faces[k], options, detector.Settings.MinScore);
        }
    }

    private static PhotoAlignment AlignOne(string name, DecodedPhoto photo, IReadOnlyList<DetectedFace> faces, FolderAlignmentOptions options, float minScore)
    {
        var dropped = new List<DroppedFace>();
        var usable = new List<DetectedFace>();
        foreach (var face in faces)
        {
            if (LandmarkGeometry.Degeneracy(face.Landmarks, options.Size) is { } why)
            {
                dropped.Add(new DroppedFace(name, face.Score, why));
            }
            else
            {
                usable.Add(face);
            }
        }

        if (usable.Count > 0)
        {
            return new PhotoAlignment(name, FaceCropper.Align(photo.Image, usable, options.Faces, options.Size), faces.Count, dropped, photo.Conversion, null);
        }

        var skip = faces.Count == 0
            ? new SkippedPhoto(name, string.Create(CultureInfo.InvariantCulture, $"no face found (minimum score {minScore})"), null, PhotoSkipCause.NoFace)
            : new SkippedPhoto(name, $"no usable face: {faces.Count} found, with degenerate landmarks ({dropped[0].Reason})", null, PhotoSkipCause.DegenerateLandmarks);
        if (options.OnNoFace == NoFacePolicy.Fail)
        {
            throw new NoFaceException(name, skip.Reason);
        }

        return new PhotoAlignment(name, [], faces.Count, dropped, photo.Conversion, skip);
    }
}
