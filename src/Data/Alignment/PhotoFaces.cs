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
        var photo = PhotoDecoder.Decode(path).Image;
        var crops = FaceCropper.DetectAndAlign(detector, photo, FaceSelection.Best, size);
        return crops.Count > 0
            ? crops[0].Crop
            : throw new FaceDataException(path, $"no face found (minimum score {detector.Settings.MinScore})");
    }
}
