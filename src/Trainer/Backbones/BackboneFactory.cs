namespace KappaFace.MLNet.Trainer.Backbones;

/// <summary>Builds backbones by kind or by their command-line name.</summary>
public static class BackboneFactory
{
    /// <summary>
    /// Builds a freshly initialised backbone. <paramref name="inputSize"/> must be a positive multiple of 16.
    /// Parameters are initialised from TorchSharp's global generator, so seed it first for reproducibility.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Input size not a positive multiple of 16, or embedding size below 1.</exception>
    public static FaceBackbone Create(BackboneKind kind, int inputSize = 112, int embeddingSize = 512)
        => throw new NotImplementedException();

    /// <summary>Parses a command-line name (<c>tiny</c>, <c>mobilefacenet</c>, <c>iresnet18</c> ... <c>iresnet100</c>), case-insensitive.</summary>
    /// <exception cref="ArgumentException">Unknown name; the message lists the valid ones.</exception>
    public static BackboneKind Parse(string name) => throw new NotImplementedException();

    /// <summary>The command-line name of a kind (the inverse of <see cref="Parse"/>).</summary>
    public static string NameOf(BackboneKind kind) => kind.ToString().ToLowerInvariant();
}
