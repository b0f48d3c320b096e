using KappaFace.MLNet.Data;

namespace KappaFace.MLNet.Benchmarks.Experiments;

/// <summary>Loads the experiment's image folder, decoding only the identities the experiment will use.</summary>
public static class ExperimentData
{
    /// <summary>
    /// The first <paramref name="maxIdentities"/> identities of <paramref name="folder"/> in name order (all when 0),
    /// at <paramref name="imageSize"/> pixels.
    /// </summary>
    /// <exception cref="FaceDataException">The folder layout is wrong or an image cannot be decoded.</exception>
    public static FaceImageSet Load(string folder, int imageSize, int maxIdentities)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxIdentities);
        ImageFolderScan scan = ImageFolder.Scan(folder);
        if (maxIdentities > 0 && maxIdentities < scan.Identities.Count)
        {
            scan = new ImageFolderScan(scan.Directory, scan.Identities.Take(maxIdentities).ToArray(), scan.IgnoredPaths);
        }

        return FaceImageSet.LoadFolder(scan, imageSize);
    }
}
