using System.ComponentModel;
using KappaFace.MLNet.Data;
using KappaFace.MLNet.Data.Alignment;
using KappaFace.MLNet.Data.Detection;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;
using Microsoft.ML.Transforms.Image;

namespace KappaFace.MLNet.Transforms.Alignment;

/// <summary>
/// The saved-model contract of <c>DetectAndAlignFaces</c>: the column names its mappings read and write
/// and the contract names of its <c>CustomMapping</c> factories. ML.NET stores only a factory's contract
/// name in a saved model and finds the factory by it on load, so names and meanings never change; a
/// change gets new names (<c>...v2</c>) and these stay to load old models.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public static class FaceAlignmentContract
{
    /// <summary>The photo's path, copied from the input column.</summary>
    public const string PhotoColumn = "KappaFace.FacePhoto";

    /// <summary>One float per row, the carrier model's (ignored) input.</summary>
    public const string TickColumn = "KappaFace.DetectorTick";

    /// <summary>The detector payload (uint8 vector) written by the carrier model.</summary>
    public const string PayloadColumn = "KappaFace.DetectorPayload";

    /// <summary>The aligned face, as the mapping writes it.</summary>
    public const string FaceColumn = "KappaFace.AlignedFace";

    /// <summary>The face's score, as the mapping writes it.</summary>
    public const string ScoreColumn = "KappaFace.AlignedFaceScore";

    /// <summary>The face's landmarks, as the mapping writes them.</summary>
    public const string LandmarksColumn = "KappaFace.AlignedFaceLandmarks";

    /// <summary>Whether a face was found, as the mapping writes it.</summary>
    public const string FoundColumn = "KappaFace.AlignedFaceFound";

    /// <summary>The contract of <see cref="DetectorTickMapping"/>.</summary>
    public const string TickContract = "KappaFace.DetectAndAlignFaces.Tick.v1";

    /// <summary>The contract of <see cref="PathFaceAlignmentMapping"/>.</summary>
    public const string PathContract = "KappaFace.DetectAndAlignFaces.Path.v1";

    /// <summary>Every column the chain makes and drops again.</summary>
    internal static readonly string[] InternalColumns = [PhotoColumn, TickColumn, PayloadColumn, FaceColumn, ScoreColumn, LandmarksColumn, FoundColumn];
}

/// <summary>Writes the constant <see cref="FaceAlignmentContract.TickColumn"/> that feeds the payload carrier.</summary>
[CustomMappingFactoryAttribute(FaceAlignmentContract.TickContract)]
[EditorBrowsable(EditorBrowsableState.Advanced)]
public sealed class DetectorTickMapping : CustomMappingFactory<NoColumns, DetectorTick>
{
    /// <inheritdoc/>
    public override Action<NoColumns, DetectorTick> GetMapping() => static (_, output) => output.Tick = [0f];
}

/// <summary>Aligns the face of a photo given as a file path (decoded by the library, EXIF orientation applied).</summary>
[CustomMappingFactoryAttribute(FaceAlignmentContract.PathContract)]
[EditorBrowsable(EditorBrowsableState.Advanced)]
public sealed class PathFaceAlignmentMapping : CustomMappingFactory<PathPhotoRow, AlignedFaceRow>
{
    /// <inheritdoc/>
    public override Action<PathPhotoRow, AlignedFaceRow> GetMapping() => static (input, output) =>
    {
        string path = input.Photo ?? string.Empty;
        if (path.Length == 0)
        {
            throw new FaceDataException("(empty path)", "the image path is empty");
        }

        FaceAlignmentRows.Map(PhotoDecoder.Decode(path).Image, path, input.Payload, output);
    };
}

/// <summary>The row logic of the photo mapping.</summary>
internal static class FaceAlignmentRows
{
    /// <summary>Detects, picks and aligns the row's face; applies the no-face policy.</summary>
    public static void Map(RgbImage photo, string row, VBuffer<byte> payload, AlignedFaceRow output)
    {
        var open = DetectorPayload.Open(payload.IsDense ? payload.GetValues() : payload.DenseValues().ToArray());
        AlignmentSettings settings = open.Settings;
        var crops = FaceCropper.DetectAndAlign(open.Detector, photo, settings.Faces, settings.Size);
        if (crops.Count == 0)
        {
            if (settings.OnNoFace == NoFaceRowPolicy.Fail)
            {
                throw new NoFaceException(row);
            }

            output.Face = ToMLImage(RgbImage.Black(settings.Size, settings.Size));
            output.Score = 0f;
            output.Landmarks = [.. Enumerable.Repeat(float.NaN, 2 * DetectedFace.LandmarkCount)];
            output.Found = false;
            return;
        }

        AlignedFace face = crops[0];
        output.Face = ToMLImage(face.Crop);
        output.Score = face.Face.Score;
        output.Landmarks = [.. face.Face.Landmarks.SelectMany(p => new[] { p.X, p.Y })];
        output.Found = true;
    }

    /// <summary>An opaque RGBA ML.NET image of an RGB image.</summary>
    public static MLImage ToMLImage(RgbImage image)
    {
        int count = image.Width * image.Height;
        var rgba = new byte[4 * count];
        for (int i = 0; i < count; i++)
        {
            rgba[4 * i] = image.Pixels[3 * i];
            rgba[(4 * i) + 1] = image.Pixels[(3 * i) + 1];
            rgba[(4 * i) + 2] = image.Pixels[(3 * i) + 2];
            rgba[(4 * i) + 3] = 255;
        }

        return MLImage.CreateFromPixels(image.Width, image.Height, MLPixelFormat.Rgba32, rgba);
    }
}

/// <summary>The (empty) input row of <see cref="DetectorTickMapping"/> (part of its saved-model contract).</summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public sealed class NoColumns
{
}

/// <summary>The output row of <see cref="DetectorTickMapping"/> (part of its saved-model contract).</summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public sealed class DetectorTick
{
    /// <summary>One float, always 0.</summary>
    [ColumnName(FaceAlignmentContract.TickColumn)]
    [VectorType(1)]
#pragma warning disable CA1819 // ML.NET maps a known-size vector column to an array property.
    public float[] Tick { get; set; } = [0f];
#pragma warning restore CA1819
}

/// <summary>The input row of <see cref="PathFaceAlignmentMapping"/> (part of its saved-model contract).</summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public sealed class PathPhotoRow
{
    /// <summary>The photo's file path.</summary>
    [ColumnName(FaceAlignmentContract.PhotoColumn)]
    public string? Photo { get; set; }

    /// <summary>The detector payload.</summary>
    [ColumnName(FaceAlignmentContract.PayloadColumn)]
    public VBuffer<byte> Payload { get; set; }
}

/// <summary>The output row of <see cref="PathFaceAlignmentMapping"/> (part of its saved-model contract).</summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public sealed class AlignedFaceRow
{
    /// <summary>The S x S aligned face (black without a face).</summary>
    [ColumnName(FaceAlignmentContract.FaceColumn)]
    [AnySizeImage]
    public MLImage? Face { get; set; }

    /// <summary>The face's score (0 without a face).</summary>
    [ColumnName(FaceAlignmentContract.ScoreColumn)]
    public float Score { get; set; }

    /// <summary>x, y of the five landmarks in the photo's pixels (NaN without a face).</summary>
    [ColumnName(FaceAlignmentContract.LandmarksColumn)]
    [VectorType(2 * DetectedFace.LandmarkCount)]
#pragma warning disable CA1819 // ML.NET maps a known-size vector column to an array property.
    public float[] Landmarks { get; set; } = [];
#pragma warning restore CA1819

    /// <summary>True when a face was found.</summary>
    [ColumnName(FaceAlignmentContract.FoundColumn)]
    public bool Found { get; set; }
}

/// <summary>
/// Marks an <c>MLImage</c> member of a mapping row as an image of any size (ML.NET's own <c>ImageTypeAttribute</c>
/// only registers known sizes). Used for the output only: ML.NET 5.0's <c>CustomMapping</c> refuses
/// <c>LoadImages</c>' column for an image input member ("expected Image, got Image").
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
[EditorBrowsable(EditorBrowsableState.Advanced)]
public sealed class AnySizeImageAttribute : DataViewTypeAttribute
{
    /// <inheritdoc/>
    public override void Register() => DataViewTypeManager.Register(new ImageDataViewType(), typeof(MLImage), this);

    /// <inheritdoc/>
    public override bool Equals(DataViewTypeAttribute other) => other is AnySizeImageAttribute;

    /// <inheritdoc/>
    public override int GetHashCode() => typeof(AnySizeImageAttribute).GetHashCode();
}
