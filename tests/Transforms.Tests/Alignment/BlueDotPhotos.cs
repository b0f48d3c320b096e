using KappaFace.MLNet.Data.Tests.Detection;
using KappaFace.MLNet.Tests.Shared;
using KappaFace.MLNet.Transforms.Alignment;
using SkiaSharp;

namespace KappaFace.MLNet.Transforms.Tests.Alignment;

/// <summary>
/// Photos for <see cref="TinyRetinaFace.BlueDotDetector"/>: a textured background whose blue stays below 100
/// (a face probability under 0.5%), with "faces" planted as single blue pixels on the stride-8 grid. A dot at
/// (8j, 8i) with blue B gives one face: prior box centred (8j + 4, 8i + 4), 16 pixels, score
/// sigmoid(0.1 (B - 104) - 5), landmarks at the centre plus 1.6 x <see cref="TinyRetinaFace.LandmarkOffsets"/>.
/// </summary>
internal static class BlueDotPhotos
{
    /// <summary>A planted face: a blue pixel at (X, Y) (multiples of 8) of value Blue.</summary>
    public readonly record struct Dot(int X, int Y, byte Blue);

    /// <summary>Writes a PNG photo with the given dots and returns its path.</summary>
    public static string Write(TempFolder temp, string name, int width, int height, params Dot[] dots) =>
        temp.Image(name, width, height, (x, y) =>
        {
            foreach (Dot dot in dots)
            {
                if (dot.X == x && dot.Y == y)
                {
                    return new SKColor(0, 0, dot.Blue);
                }
            }

            return new SKColor((byte)(((x * 7) + (y * 3)) % 256), (byte)(((x * y) + 40) % 256), (byte)((x + (2 * y)) % 100));
        });

    /// <summary>The options the tests use: the blue-dot detector, photos detected at their own size (no rescaling).</summary>
    public static FaceAlignmentOptions Options(int size = 56) => new()
    {
        DetectorBytes = TinyRetinaFace.BlueDotDetector(),
        InputColumnName = FaceColumnNames.ImagePath,
        MinimumDetectionSide = 32,
        Size = size,
    };

    /// <summary>The exact score of a dot of blue <paramref name="blue"/>.</summary>
    public static float Score(byte blue) => (float)(1 / (1 + Math.Exp(-((0.1 * (blue - 104)) - 5))));

    /// <summary>The exact landmarks (x, y interleaved) of a dot.</summary>
    public static float[] Landmarks(Dot dot) =>
        [.. Enumerable.Range(0, 10).Select(k => (k % 2 == 0 ? dot.X + 4 : dot.Y + 4) + (1.6f * TinyRetinaFace.LandmarkOffsets[k]))];
}
