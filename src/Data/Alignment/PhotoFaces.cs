using KappaFace.MLNet.Data.Detection;

namespace KappaFace.MLNet.Data.Alignment;

/// <summary>The one-call seam for commands that take photos where crops are expected (e.g. <c>embed --detector</c>).</summary>
public static class PhotoFaces
{
    /// <summary>Decodes a photo (orientation applied), detects its faces and returns the best one aligned to S x S.</summary>
    /// <exception cref="FaceDataException">The file is bad, or no face scores above the detector's threshold.</exception>
    public static RgbImage BestCrop(FaceDetector detector, string path, int size)
    {
        ArgumentNullException.ThrowIfNull(detector);
        return BestCrop(detector, PhotoDecoder.Decode(path).Image, path, size);
    }

    /// <summary>The best face of an already decoded, upright photo, aligned to S x S; <paramref name="name"/> names the photo in messages.</summary>
    /// <exception cref="FaceDataException">No face scores above the detector's threshold.</exception>
    public static RgbImage BestCrop(FaceDetector detector, RgbImage photo, string name, int size)
    {
        ArgumentNullException.ThrowIfNull(detector);
        var crops = FaceCropper.DetectAndAlign(detector, photo, FaceSelection.Best, size);
        return crops.Count > 0
            ? crops[0].Crop
            : throw new FaceDataException(name, $"no face found (minimum score {detector.Settings.MinScore})");
    }
}
