using KappaFace.MLNet.Data.Detection;

namespace KappaFace.MLNet.Data.Alignment;

/// <summary>One aligned face of a photo.</summary>
/// <param name="Face">The detection, in the photo's pixels.</param>
/// <param name="Crop">The S x S aligned crop sampled from the photo's original pixels.</param>
/// <param name="CutByBorder">The face box reaches outside the photo (the crop repeats edge pixels there).</param>
public sealed record AlignedFace(DetectedFace Face, RgbImage Crop, bool CutByBorder);

/// <summary>
/// The seam from photos to aligned crops used by the commands and the ML.NET transform: detect, pick faces
/// (<see cref="FaceSelection"/>), align each onto the template.
/// </summary>
public static class FaceCropper
{
    /// <summary>The faces chosen from a detection, best score first for <see cref="FaceSelection.All"/>.</summary>
    public static IReadOnlyList<DetectedFace> Select(IReadOnlyList<DetectedFace> faces, FaceSelection selection)
    {
        ArgumentNullException.ThrowIfNull(faces);
        if (faces.Count == 0)
        {
            return [];
        }

        return selection switch
        {
            FaceSelection.All => [.. faces.OrderByDescending(f => f.Score)],
            FaceSelection.Largest => [faces.MaxBy(f => f.Box.Area)!],
            _ => [faces.MaxBy(f => f.Score)!],
        };
    }

    /// <summary>Aligns the chosen faces of one photo (empty when none was found).</summary>
    public static IReadOnlyList<AlignedFace> Align(RgbImage photo, IReadOnlyList<DetectedFace> faces, FaceSelection selection, int size)
    {
        ArgumentNullException.ThrowIfNull(photo);
        return [.. Select(faces, selection).Select(face => new AlignedFace(
            face, FaceAligner.Align(photo, face.Landmarks, size), face.Box.CrossesBorder(photo.Width, photo.Height)))];
    }

    /// <summary>Detects and aligns the chosen faces of one photo.</summary>
    public static IReadOnlyList<AlignedFace> DetectAndAlign(FaceDetector detector, RgbImage photo, FaceSelection selection, int size)
    {
        ArgumentNullException.ThrowIfNull(detector);
        return Align(photo, detector.Detect(photo), selection, size);
    }
}
