using KappaFace.MLNet.Onnx;
using KappaFace.MLNet.Tests.Shared;
using KappaFace.MLNet.Data;
using KappaFace.MLNet.Synthetic;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace KappaFace.MLNet.Transforms.Tests.Support;

/// <summary>Rows and helpers shared by the pipeline tests.</summary>
internal static class Faces
{
    /// <summary>
    /// A few synthetic face crops (112 x 112 PNG, the size of the real crops) written under
    /// <paramref name="folder"/>: the first images of a few identities. Needs no data on the machine.
    /// </summary>
    public static string[] SyntheticImages(string folder, int identities = 3, int perIdentity = 2)
    {
        FaceImageSet set = SyntheticFaces.Generate(new SyntheticFaceOptions
        {
            Identities = identities, ImageSize = 112, MinImagesPerIdentity = perIdentity, MaxImagesPerIdentity = perIdentity, Seed = 11,
        });
        return [.. ImageFolderWriter.Write(set, folder).Identities.SelectMany(i => i.Images)];
    }

    /// <summary>Synthetic face crops (<see cref="SyntheticImages"/>) or real ones (<see cref="RealImages"/>).</summary>
    public static string[] Images(string source, string folder, int identities = 3, int perIdentity = 2) =>
        source == Synthetic ? SyntheticImages(folder, identities, perIdentity) : RealImages(identities, perIdentity);

    /// <summary>The <see cref="Images"/> source that needs no data.</summary>
    public const string Synthetic = "synthetic";

    /// <summary>A few real face crops (112 x 112 JPEG) from celeba-dev: the first images of a few identities.</summary>
    public static string[] RealImages(int identities = 3, int perIdentity = 2)
    {
        string celeba = SharedData.DataSet("celeba-dev") ?? throw new InvalidOperationException(SharedData.MissingReason("celeba-dev"));
        ImageFolderScan scan = ImageFolder.Scan(celeba);
        return [.. scan.Identities.Take(identities).SelectMany(i => i.Images.Take(perIdentity))];
    }

    public static IDataView PathRows(MLContext ml, IEnumerable<string> paths) =>
        ml.Data.LoadFromEnumerable(paths.Select(p => new PathRow { ImagePath = p }).ToList());

    /// <summary>An image decoded by the library's own decoder (not ML.NET): 3 x S x S floats, RGB planes, 0..255.</summary>
    public static float[] DecodePixels(string path, int size)
    {
        var bytes = new byte[3 * size * size];
        FaceImageDecoder.DecodeInto(path, size, bytes);
        return [.. bytes.Select(b => (float)b)];
    }

    public static float[][] Embed(string modelPath, IReadOnlyList<float[]> pixels)
    {
        using FaceEmbedder embedder = FaceEmbedder.Open(modelPath, new FaceEmbedderOptions { ExecutionProvider = "cpu" });
        return embedder.Embed(pixels).ToArrays();
    }

    public static float[][] Column(IDataView data, string name) =>
        [.. data.GetColumn<VBuffer<float>>(name).Select(v => v.DenseValues().ToArray())];

    public static void AssertClose(float[][] expected, float[][] actual, double tolerance)
    {
        Xunit.Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Xunit.Assert.Equal(expected[i].Length, actual[i].Length);
            for (int d = 0; d < expected[i].Length; d++)
            {
                Xunit.Assert.True(
                    Math.Abs(expected[i][d] - actual[i][d]) <= tolerance,
                    $"row {i} value {d}: expected {expected[i][d]}, got {actual[i][d]}");
            }
        }
    }
}

public sealed class PathRow
{
    public string ImagePath { get; set; } = string.Empty;
}

public sealed class PairPathRow
{
    public string ImagePathA { get; set; } = string.Empty;

    public string ImagePathB { get; set; } = string.Empty;
}
