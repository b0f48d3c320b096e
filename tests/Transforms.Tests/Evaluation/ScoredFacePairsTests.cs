using KappaFace.MLNet.Data;
using KappaFace.MLNet.Data.Embedding;
using KappaFace.MLNet.Onnx;
using KappaFace.MLNet.Tests.Shared;
using KappaFace.MLNet.Transforms.Evaluation;
using KappaFace.MLNet.Transforms.Tests.Support;
using Microsoft.ML;
using Microsoft.ML.Data;
using Xunit;

namespace KappaFace.MLNet.Transforms.Tests.Evaluation;

/// <summary>Pairs scored through the image-level embedder, and the one-pair decision, against naive re-computations.</summary>
public sealed class ScoredFacePairsTests : IDisposable
{
    private static readonly FaceEmbedderOptions Cpu = new() { ExecutionProvider = "cpu" };

    private readonly TempFolder _temp = new();
    private readonly ConvModel _model = ConvModel.Create(inputSize: 32, embeddingSize: 8);
    private readonly string _modelPath;
    private readonly string _data;

    public ScoredFacePairsTests()
    {
        _modelPath = _model.Save(_temp.Path);
        _data = Path.Combine(_temp.Path, "faces");
        Faces.SyntheticImages(_data, identities: 3, perIdentity: 3);
    }

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Every_pair_gets_the_cosine_of_its_images_embeddings()
    {
        var pairs = VerificationPairs.Load(new VerificationPairsOptions { ImageFolder = _data, PairCount = 12, Seed = 2 });
        using var embedder = FaceImageEmbedder.Open(_modelPath, Cpu);

        var scored = ScoredFacePairs.Score(embedder, pairs);

        Assert.Equal(12, scored.Scores.Length);
        for (int p = 0; p < pairs.Pairs.Count; p++)
        {
            // Each image decoded and embedded on its own, then the cosine in double precision.
            float[] a = Faces.Embed(_modelPath, [Faces.DecodePixels(pairs.Pairs[p].PathA, _model.InputSize)])[0];
            float[] b = Faces.Embed(_modelPath, [Faces.DecodePixels(pairs.Pairs[p].PathB, _model.InputSize)])[0];
            double dot = a.Zip(b).Sum(v => (double)v.First * v.Second);
            double cosine = dot / Math.Sqrt(a.Sum(v => (double)v * v) * b.Sum(v => (double)v * v));
            Assert.Equal(cosine, scored.Scores.Span[p], 5);
            Assert.Equal(pairs.Pairs[p].Same, scored.Same.Span[p]);
        }

        Assert.Equal(pairs.Source, scored.Source);
        Assert.False(scored.HasFolds);
    }

    [Fact]
    public void The_rows_are_what_the_catalog_evaluates()
    {
        var pairs = VerificationPairs.Load(new VerificationPairsOptions { ImageFolder = _data, PairCount = 12, Seed = 2 });
        using var embedder = FaceImageEmbedder.Open(_modelPath, Cpu);
        var scored = ScoredFacePairs.Score(embedder, pairs);
        var ml = new MLContext(seed: 1);

        IDataView rows = scored.ToDataView(ml);

        Assert.Equal([FaceColumnNames.Score, FaceColumnNames.Label], rows.Schema.Select(c => c.Name));
        Assert.Equal(scored.Scores.ToArray(), rows.GetColumn<float>(FaceColumnNames.Score));
        Assert.Equal(scored.Same.ToArray(), rows.GetColumn<bool>(FaceColumnNames.Label));
        var metrics = ml.FaceRecognition().Evaluate(rows, foldCount: 2);
        Assert.Equal(12, metrics.PairCount);
    }

    [Fact]
    public void Folds_of_a_pairs_file_become_a_fold_column()
    {
        // The synthetic images copied under LFW names (<name>/<name>_000i.png) so an LFW pairs file finds them.
        string lfwData = Path.Combine(_temp.Path, "lfw");
        string[] ids = [.. Directory.GetDirectories(_data).Select(d => Path.GetFileName(d)!).Order(StringComparer.Ordinal)];
        foreach (string id in ids)
        {
            string[] files = [.. Directory.GetFiles(Path.Combine(_data, id)).Order(StringComparer.Ordinal)];
            Directory.CreateDirectory(Path.Combine(lfwData, id));
            for (int i = 0; i < files.Length; i++)
            {
                File.Copy(files[i], Path.Combine(lfwData, id, $"{id}_{i + 1:0000}.png"));
            }
        }

        string lfw = Path.Combine(_temp.Path, "lfw.txt");
        File.WriteAllLines(lfw, ["2\t1", $"{ids[0]}\t1\t2", $"{ids[0]}\t1\t{ids[1]}\t1", $"{ids[1]}\t1\t2", $"{ids[1]}\t2\t{ids[2]}\t1"]);
        using var embedder = FaceImageEmbedder.Open(_modelPath, Cpu);

        var folded = ScoredFacePairs.Score(embedder, VerificationPairs.Load(new VerificationPairsOptions { ImageFolder = lfwData, PairsFile = lfw }));
        IDataView view = folded.ToDataView(new MLContext(seed: 1));

        Assert.True(folded.HasFolds);
        Assert.Equal([FaceColumnNames.Score, FaceColumnNames.Label, FaceColumnNames.Fold], view.Schema.Select(c => c.Name));
        Assert.Equal([0, 0, 1, 1], view.GetColumn<int>(FaceColumnNames.Fold));
        Assert.Equal([true, false, true, false], view.GetColumn<bool>(FaceColumnNames.Label));
    }

    [Fact]
    public void Verify_decides_score_at_least_the_float_threshold()
    {
        string[] images = [.. Directory.GetFiles(_data, "*.png", SearchOption.AllDirectories).Order(StringComparer.Ordinal)];
        using var embedder = FaceImageEmbedder.Open(_modelPath, Cpu);
        float score = CosineSimilarity.Compute(embedder.Embed(images[0]), embedder.Embed(images[4]));

        var atScore = FaceVerification.Verify(embedder, images[0], images[4], score);
        var above = FaceVerification.Verify(embedder, images[0], images[4], MathF.BitIncrement(score));

        Assert.Equal(score, atScore.Score);
        Assert.True(atScore.Same);
        Assert.False(above.Same);
        Assert.Equal((double)MathF.BitIncrement(score), above.Threshold);
        Assert.Throws<ArgumentOutOfRangeException>(() => FaceVerification.Verify(embedder, images[0], images[4], double.NaN));
    }
}
