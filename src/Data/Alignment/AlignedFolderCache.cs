using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using KappaFace.MLNet.Data.Detection;
using KappaFace.MLNet.Onnx;

namespace KappaFace.MLNet.Data.Alignment;

/// <summary>An aligned copy of a data folder made or found by <see cref="AlignedFolderCache.Prepare"/>.</summary>
/// <param name="Path">The aligned folder (an image folder of crops).</param>
/// <param name="Reused">True when an earlier run's folder was still valid and nothing was detected.</param>
/// <param name="Report">The alignment report (of the run that made the folder, when reused).</param>
public sealed record AlignedFolder(string Path, bool Reused, FolderAlignmentReport Report);

/// <summary>
/// Aligns a data folder once and reuses the result while nothing it depends on changed, e.g. so that a
/// training run resumed from a checkpoint does not detect every photo again. The folder's manifest
/// (<see cref="ManifestFile"/>) holds a key: the SHA-256 of the detector file, the detection and alignment
/// settings, and the relative path, length and modification time of every image, <c>pairs.txt</c> and
/// <c>folds.txt</c> of the data folder. A different key (or no valid manifest) aligns again. A new folder is
/// built beside the old one under a hidden temporary name, its manifest written last, and then renamed into
/// place, so the folder at <c>Path</c> is always complete.
/// </summary>
public static class AlignedFolderCache
{
    /// <summary>The manifest inside an aligned folder (a top-level file, which image-folder readers ignore).</summary>
    public const string ManifestFile = "alignment-cache.json";

    private const string KeyVersion = "kappaface aligned folder 1";

    private static readonly JsonSerializerOptions Json = new() { IncludeFields = true, WriteIndented = true };

    /// <summary>Returns an aligned copy of <paramref name="dataFolder"/> at <paramref name="alignedFolder"/>, aligning only when the key changed.</summary>
    /// <param name="detectorPath">The RetinaFace-format detector (opened only when aligning).</param>
    /// <param name="detectorOptions">The detector's options (score threshold, detection sizes, device).</param>
    /// <param name="dataFolder">The folder of photos.</param>
    /// <param name="alignedFolder">Where the crops live; outside the data folder.</param>
    /// <param name="options">Crop size, face selection and policies.</param>
    /// <param name="progress">Alignment progress, when aligning.</param>
    /// <param name="cancellationToken">Stops between detector batches (the old folder stays in place).</param>
    /// <exception cref="IOException"><paramref name="alignedFolder"/> exists but is not such a folder (never overwritten).</exception>
    public static AlignedFolder Prepare(
        string detectorPath,
        FaceDetectorOptions detectorOptions,
        string dataFolder,
        string alignedFolder,
        FolderAlignmentOptions options,
        IProgress<AlignmentProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(detectorPath);
        ArgumentNullException.ThrowIfNull(detectorOptions);
        ArgumentNullException.ThrowIfNull(options);
        string root = System.IO.Path.GetFullPath(dataFolder);
        string target = System.IO.Path.GetFullPath(alignedFolder).TrimEnd(System.IO.Path.DirectorySeparatorChar);
        if ((target + System.IO.Path.DirectorySeparatorChar).StartsWith(root.TrimEnd(System.IO.Path.DirectorySeparatorChar) + System.IO.Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new ArgumentException($"The aligned folder '{target}' lies inside the data folder '{root}': its crops would count as photos.", nameof(alignedFolder));
        }

        string key = Key(detectorPath, detectorOptions, root, options);
        string manifest = System.IO.Path.Combine(target, ManifestFile);
        if (Directory.Exists(target) || File.Exists(target))
        {
            if (!File.Exists(manifest))
            {
                throw new IOException($"'{target}' exists but is not an aligned folder made by kappaface (no {ManifestFile}); move it away or choose another place.");
            }

            if (Read(manifest, key) is { } report)
            {
                return new AlignedFolder(target, true, report);
            }
        }

        string parent = System.IO.Path.GetDirectoryName(target)!;
        string name = System.IO.Path.GetFileName(target);
        Directory.CreateDirectory(parent);
        string temp = System.IO.Path.Combine(parent, $".{name}.{Guid.NewGuid():N}.tmp");
        try
        {
            FolderAlignmentReport made;
            using (var detector = FaceDetector.Open(detectorPath, detectorOptions))
            {
                made = FolderAligner.Run(detector, root, temp, options, progress, cancellationToken);
            }

            AtomicFile.Write(System.IO.Path.Combine(temp, ManifestFile), JsonSerializer.SerializeToUtf8Bytes(new Manifest(key, made), Json));
            Replace(temp, target, parent, name);
            return new AlignedFolder(target, false, made);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>The cache key of a data folder under a detector and options (hex SHA-256).</summary>
    public static string Key(string detectorPath, FaceDetectorOptions detectorOptions, string dataFolder, FolderAlignmentOptions options)
    {
        ArgumentNullException.ThrowIfNull(detectorOptions);
        ArgumentNullException.ThrowIfNull(options);
        if (!File.Exists(detectorPath))
        {
            throw new OnnxModelException(detectorPath, "the detector model file does not exist");
        }

        string root = System.IO.Path.GetFullPath(dataFolder);
        var text = new StringBuilder(KeyVersion).Append('\n');
        using (var stream = File.OpenRead(detectorPath))
        {
            text.Append("detector\t").Append(Convert.ToHexStringLower(SHA256.HashData(stream))).Append('\n');
        }

        text.Append(CultureInfo.InvariantCulture,
            $"detection\t{detectorOptions.MinScore:R}\t{detectorOptions.NmsThreshold:R}\t{detectorOptions.MinimumDetectionSide}\t{detectorOptions.MaximumDetectionSide}\n");
        text.Append(CultureInfo.InvariantCulture, $"alignment\t{options.Size}\t{options.Faces}\t{options.OnNoFace}\t{options.OnBadImage}\t{options.MaximumImagePixels}\n");
        var files = Directory.Exists(root) ? ImageFolder.ImagesUnder(root).ToList() : [];
        files.AddRange(FolderAligner.CopiedFiles.Select(f => System.IO.Path.Combine(root, f)).Where(File.Exists));
        foreach (string file in files.Order(StringComparer.Ordinal))
        {
            var info = new FileInfo(file);
            text.Append(CultureInfo.InvariantCulture,
                $"{System.IO.Path.GetRelativePath(root, file).Replace('\\', '/')}\t{info.Length}\t{info.LastWriteTimeUtc.Ticks}\n");
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    private static FolderAlignmentReport? Read(string manifest, string key)
    {
        try
        {
            var found = JsonSerializer.Deserialize<Manifest>(File.ReadAllBytes(manifest), Json);
            return found is not null && string.Equals(found.Key, key, StringComparison.Ordinal) ? found.Report : null;
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException or NotSupportedException)
        {
            // An unreadable manifest is an outdated cache: the folder is aligned again.
            return null;
        }
    }

    // The old folder is moved aside before the new one takes its name; a crash in between leaves no folder
    // (the next run aligns again), never a mixed one.
    private static void Replace(string temp, string target, string parent, string name)
    {
        if (!Directory.Exists(target))
        {
            Directory.Move(temp, target);
            return;
        }

        string old = System.IO.Path.Combine(parent, $".{name}.{Guid.NewGuid():N}.old");
        Directory.Move(target, old);
        Directory.Move(temp, target);
        TryDelete(old);
    }

    private static void TryDelete(string folder)
    {
        try
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: a hidden leftover costs disk space, not correctness.
        }
    }

    private sealed record Manifest(string Key, FolderAlignmentReport Report);
}
