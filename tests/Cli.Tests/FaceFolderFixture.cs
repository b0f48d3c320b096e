using System.Globalization;
using KappaFace.MLNet.Onnx;
using KappaFace.MLNet.Data;
using KappaFace.MLNet.Transforms.Evaluation;
using SkiaSharp;

namespace KappaFace.MLNet.Cli.Tests;

/// <summary>
/// The tiny exported model of <see cref="CliFixture"/> plus an image folder of <see cref="Identities"/>
/// identities with <see cref="ImagesPerIdentity"/> images each (one colour pattern per identity, a
/// different shift per image) and a <c>PATH_A PATH_B LABEL</c> pairs file over it.
/// </summary>
public sealed class FaceFolderFixture : IDisposable
{
    public const int Identities = 4;
    public const int ImagesPerIdentity = 5;

    public FaceFolderFixture()
    {
        DataFolder = Model.Folder.Folder("identities");
        var images = new List<(string Relative, int Identity)>();
        for (int id = 0; id < Identities; id++)
        {
            for (int i = 0; i < ImagesPerIdentity; i++)
            {
                string relative = $"person{id}/person{id}_{i:D4}.png";
                (int shift, int phase) = (i * 3, id * 53);
                Model.Folder.Image("identities/" + relative, 40, 40, (x, y) => new SKColor(
                    (byte)((((x + shift) * (id + 2) * 5) + phase) % 256),
                    (byte)(((y * (4 - id) * 6) + (shift * 7)) % 256),
                    (byte)((((x ^ y) * (id + 1) * 9) + i) % 256)));
                images.Add((relative, id));
            }
        }

        // Every same-identity pair (40) and as many different-identity pairs, balanced.
        var lines = new List<string>();
        var different = new List<string>();
        for (int a = 0; a < images.Count; a++)
        {
            for (int b = a + 1; b < images.Count; b++)
            {
                bool same = images[a].Identity == images[b].Identity;
                (same ? lines : different).Add($"{images[a].Relative} {images[b].Relative} {(same ? 1 : 0)}");
            }
        }

        SameCount = lines.Count;
        lines.AddRange(different.Where((_, k) => k % 3 == 0).Take(SameCount));
        PairLines = lines;
        PairsFile = Model.Folder.Bytes("pairs.txt", System.Text.Encoding.UTF8.GetBytes(string.Join('\n', lines) + "\n"));
    }

    public CliFixture Model { get; } = new();

    public string ModelPath => Model.ModelPath;

    public string DataFolder { get; }

    public string PairsFile { get; }

    public IReadOnlyList<string> PairLines { get; }

    public int SameCount { get; }

    public string File(string name) => Model.File(name);

    /// <summary>Scores of the pairs file's pairs, computed without the CLI: loader decoding, the embedder, the cosine.</summary>
    public (float[] Scores, bool[] Same) ScorePairsDirectly(string modelPath)
    {
        using var embedder = FaceEmbedder.Open(modelPath, new FaceEmbedderOptions { ExecutionProvider = "cpu" });
        var scores = new float[PairLines.Count];
        var same = new bool[PairLines.Count];
        for (int p = 0; p < PairLines.Count; p++)
        {
            string[] parts = PairLines[p].Split(' ');
            var pixels = parts.Take(2).SelectMany(r => FaceImageFile.Decode(Path.Combine(DataFolder, r), embedder.InputSize)).Select(b => (float)b).ToArray();
            var result = embedder.Embed(pixels, 2);
            scores[p] = CosineSimilarity.Compute(result.GetEmbedding(0), result.GetEmbedding(1));
            same[p] = parts[2] == "1";
        }

        return (scores, same);
    }

    public static string Invariant(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    public void Dispose() => Model.Dispose();
}
