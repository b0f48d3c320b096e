using System.Diagnostics;
using System.Globalization;
using System.Text;
using KappaFace.MLNet.Data.Detection;
using KappaFace.MLNet.Onnx;

namespace KappaFace.MLNet.Data.Alignment;

/// <summary>
/// Aligns every image of a folder into another: the same relative paths and file types, one crop per photo
/// (or <c>name_face1.ext</c>, <c>name_face2.ext</c>, ... with <see cref="FaceSelection.All"/>), the data
/// folder's <c>folds.txt</c> copied, its <c>pairs.txt</c> copied or rewritten so that it names only crops
/// that exist (<see cref="PairsFileAction"/>), and <c>landmarks.tsv</c> listing each crop's score and five
/// landmarks in its source photo. Photos are aligned by <see cref="PhotoAligner"/> a detector batch at a
/// time. Every file is written atomically; every photo without a crop and every dropped face is in the report.
/// </summary>
public static class FolderAligner
{
    /// <summary>The landmarks file written into the output folder.</summary>
    public const string LandmarksFile = "landmarks.tsv";

    /// <summary>The pairs file carried over from the data folder's top level when present (copied, or rewritten to name the crops: <see cref="PairsFileAction"/>).</summary>
    public const string PairsFileName = "pairs.txt";

    /// <summary>The folds file copied from the data folder's top level when present.</summary>
    public const string FoldsFileName = "folds.txt";

    /// <summary>Files carried over from the data folder's top level when present.</summary>
    public static readonly IReadOnlyList<string> CopiedFiles = [PairsFileName, FoldsFileName];

    /// <summary>Aligns <paramref name="dataFolder"/> into <paramref name="outputFolder"/>.</summary>
    /// <exception cref="FaceDataException">Under a Fail policy, the first photo without a face or the first bad file; or no image at all.</exception>
    public static FolderAlignmentReport Run(
        FaceDetector detector,
        string dataFolder,
        string outputFolder,
        FolderAlignmentOptions options,
        IProgress<AlignmentProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(detector);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.Size);
        string root = Path.GetFullPath(dataFolder);
        string output = Path.GetFullPath(outputFolder);
        if (!Directory.Exists(root))
        {
            throw new FaceDataException(root, "the data folder does not exist");
        }

        if (string.Equals(root.TrimEnd('/'), output.TrimEnd('/'), StringComparison.Ordinal))
        {
            throw new ArgumentException($"The output folder '{output}' is the data folder: crops would overwrite the photos.", nameof(outputFolder));
        }

        string[] files = ImageFiles(root, output);
        if (files.Length == 0)
        {
            throw new FaceDataException(root, "holds no images (png, jpg, jpeg, bmp, webp)");
        }

        var run = new RunState(files.Length);
        var clock = Stopwatch.StartNew();
        int batch = detector.Settings.MaxBatch;
        for (int start = 0; start < files.Length; start += batch)
        {
            cancellationToken.ThrowIfCancellationRequested();
            string[] chunk = files[start..Math.Min(files.Length, start + batch)];
            string[] names = [.. chunk.Select(path => Path.GetRelativePath(root, path).Replace('\\', '/'))];
            foreach (var photo in PhotoAligner.Align(detector, chunk, names, options))
            {
                Write(photo, output, options, run);
            }

            int done = start + chunk.Length;
            double rate = done / Math.Max(clock.Elapsed.TotalSeconds, 1e-9);
            progress?.Report(new AlignmentProgress(done, files.Length, rate, TimeSpan.FromSeconds((files.Length - done) / rate)));
        }

        Directory.CreateDirectory(output);
        string pairs = Path.Combine(root, PairsFileName);
        PairsFileOutcome? pairsOutcome = File.Exists(pairs) ? AlignedPairs.Write(pairs, root, output, run.CropOf, options.Faces == FaceSelection.All) : null;
        string folds = Path.Combine(root, FoldsFileName);
        if (File.Exists(folds))
        {
            // Fold membership is by identity folder, which alignment keeps.
            AtomicFile.Write(Path.Combine(output, FoldsFileName), File.ReadAllBytes(folds));
        }

        AtomicFile.Write(Path.Combine(output, LandmarksFile), Encoding.UTF8.GetBytes(run.Landmarks.ToString()));
        return run.Report(clock.Elapsed.TotalSeconds) with { PairsFile = pairsOutcome };
    }

    /// <summary>The crop file names of one photo's faces: the photo's own name, or name_faceK for all faces.</summary>
    public static string CropName(string relativePath, int faceIndex, FaceSelection selection) =>
        selection != FaceSelection.All
            ? relativePath
            : Path.Combine(Path.GetDirectoryName(relativePath) ?? string.Empty,
                $"{Path.GetFileNameWithoutExtension(relativePath)}_face{(faceIndex + 1).ToString(CultureInfo.InvariantCulture)}{Path.GetExtension(relativePath)}")
              .Replace('\\', '/');

    private static string[] ImageFiles(string root, string output) =>
        [.. ImageFolder.ImagesUnder(root).Where(f => !f.StartsWith(output + Path.DirectorySeparatorChar, StringComparison.Ordinal))];

    private static void Write(PhotoAlignment photo, string output, FolderAlignmentOptions options, RunState run)
    {
        run.DroppedFaces.AddRange(photo.Dropped);
        if (photo.Conversion is { } conversion)
        {
            run.Converted.Add((photo.Name, conversion));
        }

        if (photo.FacesFound > 1)
        {
            run.Multiple.Add((photo.Name, photo.FacesFound));
        }

        if (photo.Skipped is { } skipped)
        {
            run.Skipped.Add(skipped);
            return;
        }

        for (int k = 0; k < photo.Faces.Count; k++)
        {
            string name = CropName(photo.Name, k, options.Faces);
            CropFile.Write(photo.Faces[k].Crop, Path.Combine(output, name));
            run.AddLandmarks(name, photo.Faces[k].Face);
            run.CropOf.TryAdd(photo.Name, name);
            run.Crops++;
            run.CutByBorder += photo.Faces[k].CutByBorder ? 1 : 0;
        }

        run.Aligned++;
    }

    private sealed class RunState(int images)
    {
        public StringBuilder Landmarks { get; } = new StringBuilder("path\tscore\tx1\ty1\tx2\ty2\tx3\ty3\tx4\ty4\tx5\ty5\n");

        public List<SkippedPhoto> Skipped { get; } = [];

        public List<(string, string)> Converted { get; } = [];

        public List<(string, int)> Multiple { get; } = [];

        public List<DroppedFace> DroppedFaces { get; } = [];

        /// <summary>Each aligned photo's first (best) crop, by the photo's relative path.</summary>
        public Dictionary<string, string> CropOf { get; } = new(StringComparer.Ordinal);

        public int Aligned { get; set; }

        public int Crops { get; set; }

        public int CutByBorder { get; set; }

        private int Count(PhotoSkipCause cause) => Skipped.Count(s => s.Cause == cause);

        public void AddLandmarks(string path, DetectedFace face)
        {
            Landmarks.Append(path).Append('\t').Append(face.Score.ToString("F4", CultureInfo.InvariantCulture));
            foreach (var p in face.Landmarks)
            {
                Landmarks.Append('\t').Append(p.X.ToString("F2", CultureInfo.InvariantCulture))
                    .Append('\t').Append(p.Y.ToString("F2", CultureInfo.InvariantCulture));
            }

            Landmarks.Append('\n');
        }

        public FolderAlignmentReport Report(double seconds) => new()
        {
            Images = images,
            Aligned = Aligned,
            Crops = Crops,
            NoFace = Count(PhotoSkipCause.NoFace),
            DegenerateLandmarks = Count(PhotoSkipCause.DegenerateLandmarks),
            MultipleFaces = Multiple.Count,
            Unreadable = Count(PhotoSkipCause.BadImage),
            CutByBorder = CutByBorder,
            ImagesPerSecond = images / Math.Max(seconds, 1e-9),
            Skipped = [.. Skipped.OrderBy(s => s.Path, StringComparer.Ordinal)],
            Converted = Converted,
            Multiple = Multiple,
            DroppedFaces = DroppedFaces,
        };
    }
}
