using KappaFace.MLNet.Data;
using KappaFace.MLNet.Data.Alignment;
using KappaFace.MLNet.Data.Embedding;
using Microsoft.ML;

namespace KappaFace.MLNet.Transforms.Evaluation;

/// <summary>
/// Verification pairs with their cosine scores: every distinct image embedded once by an
/// <see cref="IFaceEmbedder"/>, each pair scored by <see cref="CosineSimilarity"/>. <see cref="ToDataView"/>
/// gives the rows the catalog's <c>Evaluate</c> and <c>CalibrateThreshold</c> read. With a photo embedder
/// (<see cref="FaceImageEmbedder"/> with a detector) photos skipped by its policies are listed and their pairs not scored.
/// </summary>
public sealed class ScoredFacePairs
{
    private readonly float[] _scores;
    private readonly bool[] _same;
    private readonly FacePairEntry[] _scored;

    private ScoredFacePairs(VerificationPairs pairs, FacePairEntry[] scored, float[] scores)
    {
        Pairs = pairs;
        _scored = scored;
        _scores = scores;
        _same = [.. scored.Select(p => p.Same)];
    }

    /// <summary>The pairs scored, with their source and the check of their images.</summary>
    public VerificationPairs Pairs { get; }

    /// <summary>The pairs scored, in order: those of <see cref="Pairs"/> whose two images were embedded.</summary>
    public IReadOnlyList<FacePairEntry> ScoredPairs => _scored;

    /// <summary>Photos without a usable face or unreadable, skipped by the photo embedder's policies.</summary>
    public IReadOnlyList<SkippedPhoto> SkippedPhotos { get; private init; } = [];

    /// <summary>Faces left out for degenerate landmarks by the photo embedder.</summary>
    public IReadOnlyList<DroppedFace> DroppedFaces { get; private init; } = [];

    /// <summary>Pairs not scored because they name a skipped photo.</summary>
    public int PairsWithoutFace => Pairs.Pairs.Count - _scored.Length;

    /// <summary>The cosine score of each scored pair, in pair order.</summary>
    public ReadOnlyMemory<float> Scores => _scores;

    /// <summary>Ground truth of each pair: true = same identity.</summary>
    public ReadOnlyMemory<bool> Same => _same;

    /// <summary>True when the pairs carry their pairs file's folds.</summary>
    public bool HasFolds => Pairs.HasFolds;

    /// <summary>Where the pairs came from (see <see cref="VerificationPairs.Source"/>).</summary>
    public string Source => Pairs.Source;

    /// <summary>Embeds the distinct images of <paramref name="pairs"/> and scores every pair.</summary>
    /// <param name="embedder">The embedder.</param>
    /// <param name="pairs">The pairs.</param>
    /// <param name="cancellationToken">Stops the embedding between batches.</param>
    /// <returns>The scored pairs.</returns>
    /// <exception cref="FaceDataException">An image cannot be decoded (or, with a detector, holds no face).</exception>
    public static ScoredFacePairs Score(IFaceEmbedder embedder, VerificationPairs pairs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(embedder);
        ArgumentNullException.ThrowIfNull(pairs);
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var images = new List<string>();
        int IndexOf(string path)
        {
            if (!index.TryGetValue(path, out int i))
            {
                i = images.Count;
                index.Add(path, i);
                images.Add(path);
            }

            return i;
        }

        FacePair[] byIndex = [.. pairs.Pairs.Select(p => new FacePair(IndexOf(p.PathA), IndexOf(p.PathB), p.Same))];
        if (embedder is not FaceImageEmbedder { Detector: not null } photoEmbedder)
        {
            var embeddings = embedder.Embed(images, cancellationToken);
            return new ScoredFacePairs(pairs, [.. pairs.Pairs], CosineSimilarity.ScorePairs(embeddings.Vectors.Span, embedder.EmbeddingSize, byIndex));
        }

        PhotoEmbeddings photos = photoEmbedder.EmbedPhotos(images, cancellationToken);
        int[] kept = [.. Enumerable.Range(0, byIndex.Length).Where(p => photos.Embedded[byIndex[p].IndexA] && photos.Embedded[byIndex[p].IndexB])];
        if (kept.Length == 0)
        {
            throw new FaceDataException("Every pair names a photo without a usable face: nothing is left to score.");
        }

        float[] scores = CosineSimilarity.ScorePairs(photos.Embeddings.Vectors.Span, embedder.EmbeddingSize, [.. kept.Select(p => byIndex[p])]);
        return new ScoredFacePairs(pairs, [.. kept.Select(p => pairs.Pairs[p])], scores) { SkippedPhotos = photos.Skipped, DroppedFaces = photos.Dropped };
    }

    /// <summary>
    /// The pairs as rows: <see cref="FaceColumnNames.Score"/> (Single), <see cref="FaceColumnNames.Label"/>
    /// (Boolean) and, with folds, <see cref="FaceColumnNames.Fold"/> (Int32).
    /// </summary>
    /// <param name="mlContext">The context.</param>
    /// <returns>One row per pair, in pair order.</returns>
    public IDataView ToDataView(MLContext mlContext)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        if (HasFolds)
        {
            return mlContext.Data.LoadFromEnumerable(_scores.Select((s, p) => new FoldedScoredRow
            {
                Score = s, Label = _same[p], Fold = _scored[p].Fold ?? throw new InvalidOperationException("A pair has no fold."),
            }).ToList());
        }

        return mlContext.Data.LoadFromEnumerable(_scores.Select((s, p) => new ScoredRow { Score = s, Label = _same[p] }).ToList());
    }

    // ML.NET reads these rows by reflection; the property names are the column names.
#pragma warning disable CA1812 // Instantiated above.
    private sealed class ScoredRow
    {
        public float Score { get; set; }

        public bool Label { get; set; }
    }

    private sealed class FoldedScoredRow
    {
        public float Score { get; set; }

        public bool Label { get; set; }

        public int Fold { get; set; }
    }
#pragma warning restore CA1812
}
