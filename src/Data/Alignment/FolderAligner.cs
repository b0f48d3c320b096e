using System.Diagnostics;
using System.Globalization;
using System.Text;
using KappaFace.MLNet.Data.Detection;
using KappaFace.MLNet.Onnx;

namespace KappaFace.MLNet.Data.Alignment;

/// <summary>
/// Aligns every image of a folder into another: the same relative paths and file types, one crop per photo
/// (or <c>name_face1.ext</c>, <c>name_face2.ext</c>, ... with <see cref="FaceSelection.All"/>), the data
/// folder's <c>pairs.txt</c> and <c>folds.txt</c> copied, and <c>landmarks.tsv</c> listing each crop's score
/// and five landmarks in its source photo. Every file is written atomically; every photo without a crop is
/// in the report.
/// </summary>
public static class FolderAligner
{
    /// <summary>The landmarks file written into the output folder.</summary>
    public const string LandmarksFile = "landmarks.tsv";

    /// <summary>Files copied from the data folder's top level when present.</summary>
    public static readonly IReadOnlyList<string> CopiedFiles = ["pairs.txt", "folds.txt"];

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
            var chunk = files.AsSpan(start, Math.Min(batch, files.Length - start)).ToArray();
            var photos = chunk.Select(path => Decode(path, root, options, run)).ToArray();
            var readable = photos.Where(p => p is not null).Select(p => p!).ToArray();
            var faces = detector.Detect([.. readable.Select(p => p.Image)]);
            for (int i = 0; i < readable.Length; i++)
            {
                Write(readable[i], faces[i], output, options, run);
            }

            int done = start + chunk.Length;
            double rate = done / Math.Max(clock.Elapsed.TotalSeconds, 1e-9);
            progress?.Report(new AlignmentProgress(done, files.Length, rate, TimeSpan.FromSeconds((files.Length - done) / rate)));
        }

        Directory.CreateDirectory(output);
        foreach (string name in CopiedFiles)
        {
            string source = Path.Combine(root, name);
            if (File.Exists(source))
            {
                AtomicFile.Write(Path.Combine(output, name), File.ReadAllBytes(source));
            }
        }

        AtomicFile.Write(Path.Combine(output, LandmarksFile), Encoding.UTF8.GetBytes(run.Landmarks.ToString()));
        return run.Report(clock.Elapsed.TotalSeconds);
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

    private static Photo? Decode(string path, string root, FolderAlignmentOptions options, RunState run)
    {
        string relative = Path.GetRelativePath(root, path).Replace('\\', '/');
        try
        {
            var decoded = PhotoDecoder.Decode(path, options.MaximumImagePixels);
            if (decoded.Conversion is { } conversion)
            {
                run.Converted.Add((relative, conversion));
            }

            return new Photo(relative, decoded.Image);
        }
        catch (FaceDataException e) when (e.Kind is not null)
        {
            if (options.OnBadImage == BadImagePolicy.Fail)
            {
                throw;
            }

            run.Skipped.Add(new SkippedPhoto(relative, e.Reason ?? e.Message, e.Kind));
            run.Unreadable++;
            return null;
        }
    }

    private static void Write(Photo photo, IReadOnlyList<DetectedFace> faces, string output, FolderAlignmentOptions options, RunState run)
    {
        if (faces.Count == 0)
        {
            var noFace = new NoFaceException(photo.RelativePath);
            if (options.OnNoFace == NoFacePolicy.Fail)
            {
                throw noFace;
            }

            run.Skipped.Add(new SkippedPhoto(photo.RelativePath, noFace.Reason, null));
            run.NoFace++;
            return;
        }

        if (faces.Count > 1)
        {
            run.Multiple.Add((photo.RelativePath, faces.Count));
        }

        var crops = FaceCropper.Align(photo.Image, faces, options.Faces, options.Size);
        for (int k = 0; k < crops.Count; k++)
        {
            string name = CropName(photo.RelativePath, k, options.Faces);
            CropFile.Write(crops[k].Crop, Path.Combine(output, name));
            run.AddLandmarks(name, crops[k].Face);
            run.Crops++;
            run.CutByBorder += crops[k].CutByBorder ? 1 : 0;
        }

        run.Aligned++;
    }

    private sealed record Photo(string RelativePath, RgbImage Image);

    private sealed class RunState(int images)
    {
        public StringBuilder Landmarks { get; } = new StringBuilder("path\tscore\tx1\ty1\tx2\ty2\tx3\ty3\tx4\ty4\tx5\ty5\n");

        public List<SkippedPhoto> Skipped { get; } = [];

        public List<(string, string)> Converted { get; } = [];

        public List<(string, int)> Multiple { get; } = [];

        public int Aligned { get; set; }

        public int Crops { get; set; }

        public int NoFace { get; set; }

        public int Unreadable { get; set; }

        public int CutByBorder { get; set; }

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
            NoFace = NoFace,
            MultipleFaces = Multiple.Count,
            Unreadable = Unreadable,
            CutByBorder = CutByBorder,
            ImagesPerSecond = images / Math.Max(seconds, 1e-9),
            Skipped = [.. Skipped.OrderBy(s => s.Path, StringComparer.Ordinal)],
            Converted = Converted,
            Multiple = Multiple,
        };
    }
}
