using KappaFace.MLNet.Trainer.Export;
using KappaFace.MLNet.Trainer.Training;

namespace KappaFace.MLNet.Cli.Commands;

/// <summary>Writes a trained backbone for <c>--out</c>.</summary>
internal static class ModelWriter
{
    /// <summary>
    /// Exports the trained backbone as the ONNX embedding model (docs/onnx-model.md) with the full model
    /// card of the run (loss and hyper-parameters, classes, images, seed, epochs; alignment <c>none</c>,
    /// since an image folder does not say how its faces were aligned). Returns the path written.
    /// </summary>
    public static string Save(FaceTrainerOptions options, TrainingResult result, string path)
    {
        OnnxExporter.Export(result.Backbone, ModelCardAssembler.ForTraining(options, result), path);
        return Path.GetFullPath(path);
    }
}
