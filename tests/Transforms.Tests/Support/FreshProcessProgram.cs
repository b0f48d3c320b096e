using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace KappaFace.MLNet.Transforms.Tests.Support;

/// <summary>
/// The entry point of the test assembly, used only to load a saved model in a fresh process, the way an
/// application that merely references KappaFace.MLNet.Transforms would: it touches no type of that
/// assembly before <c>mlContext.Model.Load</c> and registers nothing. (xunit does not call it.)
/// </summary>
/// <remarks>
/// <c>dotnet KappaFace.MLNet.Transforms.Tests.dll fresh-load MODEL.zip PAIRS.tsv OUT.txt</c>: PAIRS.tsv holds
/// <c>pathA&lt;TAB&gt;pathB</c> lines; OUT.txt gets whether the assembly was loaded before and after
/// the model load, then one line per pair: score, decision, and the first embedding (round-trip floats).
/// </remarks>
public static class FreshProcessProgram
{
    public const string Verb = "fresh-load";

    /// <summary>
    /// <c>fresh-align MODEL.zip PATHS.txt OUT.txt</c>: a saved detect+align+embed pipeline over <c>ImagePath</c>
    /// rows; OUT.txt gets the two loaded-before/after lines, then per photo: score, found, the 10 landmark
    /// coordinates and the embedding (round-trip floats, comma-separated, tab between fields).
    /// </summary>
    public const string AlignVerb = "fresh-align";
    public const string TransformsAssembly = "KappaFace.MLNet.Transforms";

    public static int Main(string[] args)
    {
        if (args.Length == 4 && args[0] == AlignVerb)
        {
            return Align(args[1], args[2], args[3]);
        }

        if (args.Length != 4 || args[0] != Verb)
        {
            Console.Error.WriteLine($"usage: {Verb} MODEL.zip PAIRS.tsv OUT.txt");
            return 2;
        }

        bool loadedBefore = IsLoaded();
        var ml = new MLContext(seed: 1);
        ITransformer model = ml.Model.Load(args[1], out _);
        bool loadedAfterLoad = IsLoaded();

        var rows = File.ReadAllLines(args[2])
            .Select(line => line.Split('\t'))
            .Select(fields => new FreshPairRow { ImagePathA = fields[0], ImagePathB = fields[1] })
            .ToList();
        IDataView output = model.Transform(ml.Data.LoadFromEnumerable(rows));
        float[] scores = [.. output.GetColumn<float>("Score")];
        bool[] decisions = [.. output.GetColumn<bool>("PredictedLabel")];
        // Copied row by row: the enumeration may reuse one VBuffer's storage.
        float[][] embeddings = [.. output.GetColumn<VBuffer<float>>("EmbeddingA").Select(v => v.DenseValues().ToArray())];

        var lines = new List<string> { $"loaded-before={loadedBefore}", $"loaded-after-load={loadedAfterLoad}" };
        for (int i = 0; i < rows.Count; i++)
        {
            string embedding = string.Join(",", embeddings[i].Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
            lines.Add($"{scores[i].ToString("R", CultureInfo.InvariantCulture)}\t{decisions[i]}\t{embedding}");
        }

        File.WriteAllLines(args[3], lines);
        return 0;
    }

    private static int Align(string modelZip, string pathsFile, string outFile)
    {
        bool loadedBefore = IsLoaded();
        var ml = new MLContext(seed: 1);
        ITransformer model = ml.Model.Load(modelZip, out _);
        bool loadedAfterLoad = IsLoaded();

        var rows = File.ReadAllLines(pathsFile).Select(p => new FreshPathRow { ImagePath = p }).ToList();
        IDataView output = model.Transform(ml.Data.LoadFromEnumerable(rows));
        float[] scores = [.. output.GetColumn<float>("FaceScore")];
        bool[] found = [.. output.GetColumn<bool>("FaceFound")];
        float[][] landmarks = [.. output.GetColumn<VBuffer<float>>("FaceLandmarks").Select(v => v.DenseValues().ToArray())];
        float[][] embeddings = [.. output.GetColumn<VBuffer<float>>("Embedding").Select(v => v.DenseValues().ToArray())];

        static string Floats(IEnumerable<float> values) => string.Join(",", values.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
        var lines = new List<string> { $"loaded-before={loadedBefore}", $"loaded-after-load={loadedAfterLoad}" };
        for (int i = 0; i < rows.Count; i++)
        {
            lines.Add($"{scores[i].ToString("R", CultureInfo.InvariantCulture)}\t{found[i]}\t{Floats(landmarks[i])}\t{Floats(embeddings[i])}");
        }

        File.WriteAllLines(outFile, lines);
        return 0;
    }

    private static bool IsLoaded() =>
        AppDomain.CurrentDomain.GetAssemblies().Any(a => a.GetName().Name == TransformsAssembly);

    public sealed class FreshPathRow
    {
        public string ImagePath { get; set; } = string.Empty;
    }

    public sealed class FreshPairRow
    {
        public string ImagePathA { get; set; } = string.Empty;

        public string ImagePathB { get; set; } = string.Empty;
    }
}
