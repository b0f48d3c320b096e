namespace KappaFace.MLNet.Onnx.Proto;

// Hand-written convenience members of the generated ModelProto.
public sealed partial class ModelProto
{
    /// <summary>Writes this model atomically (temporary file, flush, rename); see <see cref="OnnxModelFile.Save"/>.</summary>
    /// <param name="path">The destination file.</param>
    public void Save(string path) => OnnxModelFile.Save(this, path);
}
