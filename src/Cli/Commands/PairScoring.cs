using System.CommandLine;
using System.Globalization;
using System.Runtime.ExceptionServices;
using KappaFace.MLNet.Onnx;
using KappaFace.MLNet.Transforms;
using KappaFace.MLNet.Data;
using KappaFace.MLNet.Data.Alignment;
using KappaFace.MLNet.Transforms.Evaluation;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace KappaFace.MLNet.Cli.Commands;

/// <summary>
/// Verification pairs scored by a model, shared by <c>evaluate</c> and <c>calibrate</c>: the pairs come from
/// the catalog (<c>LoadPairs</c> for a pairs file, <c>GeneratePairs</c> for a folder), every distinct image
/// is decoded with the loader's rules and embedded in batches by <see cref="FaceEmbedder"/>, and the cosine
/// scores go back into an <see cref="IDataView"/> (<c>Score</c>, <c>Label</c>, <c>Fold</c>) for the catalog's
/// <c>Evaluate</c>/<c>CalibrateThreshold</c>.
/// </summary>
internal sealed class PairScoring
{
    /// <summary>Pairs drawn from a folder when no pairs file (and no <c>--pair-count</c>) is given, at most.</summary>
    public const int DefaultGeneratedPairs = 2000;

    /// <summary>Images decoded and embedded together: bounds memory (3 x H x H floats each) on large sets.</summary>
    private const int DecodeChunk = 256;

    private PairScoring(IDataView data, float[] scores, bool[] same, bool hasFolds, string source)
    {
        Data = data;
        Scores = scores;
        Same = same;
        HasFolds = hasFolds;
        Source = source;
    }

    /// <summary>Columns <c>Score</c> (Single), <c>Label</c> (Boolean) and, with folds, <c>Fold</c> (Int32).</summary>
    public IDataView Data { get; }

    /// <summary>The cosine score of each pair.</summary>
    public float[] Scores { get; }

    /// <summary>Ground truth of each pair: true = same identity.</summary>
    public bool[] Same { get; }

    /// <summary>True when the pairs file gave its own folds (LFW header).</summary>
    public bool HasFolds { get; }

    /// <summary>Where the pairs came from, for the summary and the JSON.</summary>
    public string Source { get; }

    /// <summary>The common options of <c>evaluate</c> and <c>calibrate</c>.</summary>
    public static Options CreateOptions() => new();

    /// <summary>Photos without a usable face (with <c>--detector</c> and <c>--on-no-face skip</c>); their pairs are not scored.</summary>
    public IReadOnlyList<SkippedPhoto> Skipped { get; private init; } = [];

    /// <summary>Faces dropped for degenerate landmarks (with <c>--detector</c>).</summary>
    public IReadOnlyList<DroppedFace> DroppedFaces { get; private init; } = [];

    /// <summary>Loads or draws the pairs, embeds their images (photos aligned first when <paramref name="photos"/> is given) and scores them.</summary>
    public static PairScoring Run(MLContext ml, string modelPath, string device, string dataFolder, string? pairsFile, int? pairCount, int seed, FaceFolderLoadOptions dataOptions, PhotoInput? photos, CancellationToken cancel)
    {
        if (!Directory.Exists(dataFolder))
        {
            throw new FaceDataException($"The data folder '{dataFolder}' does not exist.");
        }

        IDataView pairs;
        string source;
        if (pairsFile is not null)
        {
            if (!File.Exists(pairsFile))
            {
                throw new FaceDataException($"The pairs file '{pairsFile}' does not exist.");
            }

            pairs = ml.FaceRecognition().LoadPairs(pairsFile, dataFolder);
            source = pairsFile;
        }
        else
        {
            var scan = BadImageOption.Check(ImageFolder.Scan(dataFolder, allowUnusableIdentities: true), dataOptions).Usable;
            int count = pairCount ?? Math.Min(DefaultGeneratedPairs, 2 * (int)Math.Min(int.MaxValue / 2, Math.Min(SamePairs(scan), DifferentPairs(scan))));
            if (count < 2)
            {
                throw new FaceDataException($"The data folder '{dataFolder}' cannot give a same-identity and a different-identity pair (it needs two identities and one with two images).");
            }

            pairs = ml.FaceRecognition().GeneratePairs(scan, count, seed);
            source = string.Create(CultureInfo.InvariantCulture, $"{count} balanced pairs drawn from the folder (seed {seed})");
        }

        string[] pathsA = [.. pairs.GetColumn<ReadOnlyMemory<char>>(FaceColumnNames.ImagePathA).Select(p => p.ToString())];
        string[] pathsB = [.. pairs.GetColumn<ReadOnlyMemory<char>>(FaceColumnNames.ImagePathB).Select(p => p.ToString())];
        bool[] same = [.. pairs.GetColumn<bool>(FaceColumnNames.Label)];
        int[]? folds = pairs.Schema.GetColumnOrNull(FaceColumnNames.Fold) is null ? null : [.. pairs.GetColumn<int>(FaceColumnNames.Fold)];
        if (pairsFile is not null)
        {
            (pathsA, pathsB, same, folds) = BadImageOption.DropPairsWithBadImages(dataFolder, pathsA, pathsB, same, folds, dataOptions);
        }

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

        var facePairs = new FacePair[same.Length];
        for (int p = 0; p < same.Length; p++)
        {
            facePairs[p] = new FacePair(IndexOf(pathsA[p]), IndexOf(pathsB[p]), same[p]);
        }

        using var embedder = FaceEmbedder.Open(modelPath, new FaceEmbedderOptions { ExecutionProvider = device });
        var embeddings = EmbedFiles(embedder, images, photos, cancel);
        if (embeddings.Skipped.Count > 0 || embeddings.Dropped.Count > 0)
        {
            Console.Error.WriteLine(string.Join(Environment.NewLine, PhotoOptions.Lines(embeddings.Skipped, embeddings.Dropped)));
        }

        if (embeddings.Skipped.Count > 0)
        {
            int[] kept = [.. Enumerable.Range(0, same.Length).Where(p => embeddings.Embedded[facePairs[p].IndexA] && embeddings.Embedded[facePairs[p].IndexB])];
            Console.Error.WriteLine($"Dropped {same.Length - kept.Length} of {same.Length} pairs that name one of the {embeddings.Skipped.Count} photos without a usable face.");
            if (kept.Length == 0)
            {
                throw new FaceDataException("Every pair names a photo without a usable face: nothing is left to score.");
            }

            (facePairs, same, folds) = ([.. kept.Select(p => facePairs[p])], [.. kept.Select(p => same[p])], folds is null ? null : [.. kept.Select(p => folds[p])]);
        }

        float[] scores = CosineSimilarity.ScorePairs(embeddings.Vectors, embedder.EmbeddingSize, facePairs);
        var rows = scores.Select((s, p) => new ScoredRow { Score = s, Label = same[p], Fold = folds?[p] ?? 0 });
        IDataView data = ml.Data.LoadFromEnumerable(rows.ToArray());
        if (folds is null)
        {
            data = ml.Transforms.DropColumns(FaceColumnNames.Fold).Fit(data).Transform(data);
        }

        return new PairScoring(data, scores, same, folds is not null, source) { Skipped = embeddings.Skipped, DroppedFaces = embeddings.Dropped };
    }

    /// <summary>
    /// Embeddings of image files, row-major (D floats each), run through the embedder in its batches
    /// (<see cref="FaceEmbedderOptions.MaxBatch"/>), a chunk at a time. Crops are decoded with
    /// <see cref="FaceImageFile"/>; with <paramref name="photos"/>, each file is a photo whose chosen face is
    /// aligned to the model input (<see cref="PhotoFaces"/>), and photos skipped by its policies have no row.
    /// </summary>
    public static EmbeddedImages EmbedFiles(FaceEmbedder embedder, IReadOnlyList<string> files, PhotoInput? photos, CancellationToken cancel)
    {
        int size = embedder.InputSize;
        int d = embedder.EmbeddingSize;
        int perImage = ModelContract.Channels * size * size;
        var result = new EmbeddedImages(new float[(long)files.Count * d], new float[files.Count], new bool[files.Count]);
        var pixels = new float[(long)Math.Min(DecodeChunk, files.Count) * perImage];
        for (int start = 0; start < files.Count; start += DecodeChunk)
        {
            int n = Math.Min(DecodeChunk, files.Count - start);
            int[] rows = photos is null
                ? DecodeCrops(files, start, n, size, pixels, cancel)
                : AlignPhotos(photos with { Options = photos.Options with { Size = size } }, files, start, n, pixels, result, cancel);
            cancel.ThrowIfCancellationRequested();
            if (rows.Length == 0)
            {
                continue;
            }

            var embedded = embedder.Embed(pixels.AsSpan(0, rows.Length * perImage), rows.Length);
            for (int r = 0; r < rows.Length; r++)
            {
                int i = start + rows[r];
                embedded.GetEmbedding(r).CopyTo(result.Vectors.AsSpan(i * d, d));
                result.Norms[i] = embedded.GetNorm(r);
                result.Embedded[i] = true;
            }
        }

        return result;
    }

    // Crops decoded in parallel into pixel rows 0..n-1.
    private static int[] DecodeCrops(IReadOnlyList<string> files, int start, int n, int size, float[] pixels, CancellationToken cancel)
    {
        int perImage = ModelContract.Channels * size * size;
        try
        {
            Parallel.For(0, n, new ParallelOptions { CancellationToken = cancel }, j =>
            {
                byte[] decoded = FaceImageFile.Decode(files[start + j], size);
                var target = pixels.AsSpan(j * perImage, perImage);
                for (int k = 0; k < perImage; k++)
                {
                    target[k] = decoded[k];
                }
            });
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            // The first undecodable file's own error (it names the file), not the parallel wrapper.
            ExceptionDispatchInfo.Throw(e.InnerExceptions[0]);
        }

        return [.. Enumerable.Range(0, n)];
    }

    // Photos aligned into consecutive pixel rows; returns the chunk index of each row, records the skipped.
    private static int[] AlignPhotos(PhotoInput photos, IReadOnlyList<string> files, int start, int n, float[] pixels, EmbeddedImages result, CancellationToken cancel)
    {
        int perImage = ModelContract.Channels * photos.Options.Size * photos.Options.Size;
        var aligned = PhotoFaces.Crops(photos.Detector, [.. files.Skip(start).Take(n)], photos.Options, cancel);
        var rows = new List<int>(n);
        for (int j = 0; j < n; j++)
        {
            result.Dropped.AddRange(aligned[j].Dropped);
            if (aligned[j].Skipped is { } skipped)
            {
                result.Skipped.Add(skipped);
                continue;
            }

            aligned[j].Faces[0].Crop.WritePlanes(pixels.AsSpan(rows.Count * perImage, perImage));
            rows.Add(j);
        }

        return [.. rows];
    }

    private static long SamePairs(ImageFolderScan scan) => scan.Identities.Sum(i => (long)i.Images.Count * (i.Images.Count - 1) / 2);

    private static long DifferentPairs(ImageFolderScan scan)
    {
        long total = scan.ImageCount;
        return (total * (total - 1) / 2) - SamePairs(scan);
    }

    /// <summary>Embeddings of image files.</summary>
    /// <param name="Vectors">D floats per file (zeros for a skipped photo).</param>
    /// <param name="Norms">Pre-normalisation norm per file.</param>
    /// <param name="Embedded">False for a photo skipped by the photo policies.</param>
    internal sealed record EmbeddedImages(float[] Vectors, float[] Norms, bool[] Embedded)
    {
        public List<SkippedPhoto> Skipped { get; } = [];

        public List<DroppedFace> Dropped { get; } = [];
    }

    /// <summary>One scored pair as an <see cref="IDataView"/> row.</summary>
    private sealed class ScoredRow
    {
        public float Score { get; set; }

        public bool Label { get; set; }

        public int Fold { get; set; }
    }

    /// <summary>The options <c>evaluate</c> and <c>calibrate</c> share, with one description each.</summary>
    internal sealed class Options
    {
        public Option<FileInfo> Model { get; } = new("--model") { Description = "The ONNX embedding model.", Required = true };

        public Option<DirectoryInfo> Data { get; } = new("--data") { Description = "Image folder DIR/<identity>/<image>; pairs-file paths are relative to it.", Required = true };

        public Option<FileInfo?> Pairs { get; } = new("--pairs") { Description = "Pairs file (PATH_A PATH_B LABEL lines, or LFW pairs.txt; its folds are used). Default: balanced seeded pairs from --data." };

        public Option<int?> PairCount { get; } = new("--pair-count") { Description = $"Pairs drawn from --data without --pairs (default: up to {DefaultGeneratedPairs}, as many as the folder allows)." };

        public Option<int> Seed { get; } = new("--seed") { Description = "Seed of the drawn pairs and of the folds without a pairs file.", DefaultValueFactory = _ => 0 };

        public Option<string> Device { get; } = new("--device") { Description = "ONNX Runtime device: auto, cpu, cuda or cuda:N.", DefaultValueFactory = _ => "auto" };

        public Option<string?> Json { get; } = new("--json") { Description = "Write the results as JSON to FILE (- for stdout)." };

        public Option<string> OnBadImage { get; } = BadImageOption.Create();

        public PhotoOptions Photos { get; } = new();

        public IEnumerable<Option> All => [Model, Data, Pairs, PairCount, Seed, Device, Json, OnBadImage, .. Photos.All];

        public PairScoring Score(MLContext ml, ParseResult parse, CancellationToken cancel)
        {
            string device = parse.GetValue(Device)!;
            using var detector = Photos.Open(parse, device);
            var photos = detector is null ? null : new PhotoInput(detector, Photos.Alignment(parse, ArcFaceTemplate.ReferenceSize, BadImageOption.Policy(parse, OnBadImage)));
            return Photos.Explained(() => PairScoring.Run(
                ml,
                parse.GetValue(Model)!.FullName,
                device,
                parse.GetValue(Data)!.FullName,
                parse.GetValue(Pairs)?.FullName,
                parse.GetValue(PairCount),
                parse.GetValue(Seed),
                BadImageOption.Read(parse, OnBadImage),
                photos,
                cancel));
        }
    }
}
