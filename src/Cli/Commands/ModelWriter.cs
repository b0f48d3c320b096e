using KappaFace.MLNet.Trainer.Backbones;

namespace KappaFace.MLNet.Cli.Commands;

/// <summary>Writes a trained backbone for <c>--out</c>.</summary>
internal static class ModelWriter
{
    /// <summary>
    /// Saves the backbone and returns the path written. The ONNX exporter is not built yet (issue 3), so the
    /// weights are written in TorchSharp's format next to the requested path, and the user is told so.
    /// </summary>
    public static string Save(FaceBackbone backbone, string requestedPath)
    {
        string path = Path.ChangeExtension(requestedPath, ".weights.dat");
        string? folder = Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }
        string temp = path + ".tmp";
        backbone.save(temp);
        File.Move(temp, path, overwrite: true);
        Console.Error.WriteLine($"ONNX export is not available yet; wrote the TorchSharp weights to {path}.");
        return path;
    }
}
