namespace KappaFace.MLNet.Trainer.Backbones;

/// <summary>Builds backbones by kind or by their command-line name.</summary>
public static class BackboneFactory
{
    /// <summary>Every command-line name, in <see cref="BackboneKind"/> order.</summary>
    public static IReadOnlyList<string> Names { get; } = Buildable.Select(NameOf).ToArray();

    /// <summary>The kinds <see cref="Create(BackboneKind, int, int, double)"/> builds (all but <see cref="BackboneKind.Imported"/>).</summary>
    public static IReadOnlyList<BackboneKind> Buildable => [.. Enum.GetValues<BackboneKind>().Where(k => k != BackboneKind.Imported)];

    /// <summary>
    /// Builds a freshly initialised backbone. <paramref name="inputSize"/> must be a positive multiple of 16.
    /// Parameters are initialised from TorchSharp's global generator, so seed it first for reproducibility.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Input size not a positive multiple of 16, or embedding size below 1.</exception>
    public static FaceBackbone Create(BackboneKind kind, int inputSize = 112, int embeddingSize = 512)
        => Create(kind, inputSize, embeddingSize, dropout: 0);

    /// <summary>
    /// Builds a freshly initialised backbone with dropout before the embedding's linear layer
    /// (insightface's <c>dropout</c> option; 0 disables it).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">
    /// Unknown kind, input size not a positive multiple of 16, embedding size below 1, or dropout outside [0, 1).
    /// </exception>
    public static FaceBackbone Create(BackboneKind kind, int inputSize, int embeddingSize, double dropout)
    {
        // Checked before any layer is allocated (an IResNet-100 is 260 MB of weights).
        FaceBackbone.ValidateInputSize(inputSize);
        FaceBackbone.ValidateEmbeddingSize(embeddingSize);
        return kind switch
        {
            BackboneKind.Tiny => new TinyFaceNet(inputSize, embeddingSize, dropout),
            BackboneKind.MobileFaceNet => new MobileFaceNet(inputSize, embeddingSize, dropout),
            BackboneKind.IResNet18 or BackboneKind.IResNet34 or BackboneKind.IResNet50 or BackboneKind.IResNet100
                => new IResNet(kind, inputSize, embeddingSize, dropout),
            BackboneKind.Imported => throw new ArgumentException(
                "An imported backbone is read from an ONNX model (ImportedBackbone.Load), not built.", nameof(kind)),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, $"Unknown backbone kind {kind}."),
        };
    }

    /// <summary>Parses a command-line name (<c>tiny</c>, <c>mobilefacenet</c>, <c>iresnet18</c> ... <c>iresnet100</c>), case-insensitive.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is null.</exception>
    /// <exception cref="ArgumentException">Unknown name; the message lists the valid ones.</exception>
    public static BackboneKind Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        // Not Enum.Parse: that would also accept numbers ("2") and flag lists ("tiny, iresnet50").
        foreach (var kind in Buildable)
        {
            if (string.Equals(NameOf(kind), name.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                return kind;
            }
        }

        throw new ArgumentException($"Unknown backbone '{name}'. Valid names: {string.Join(", ", Names)}.", nameof(name));
    }

    /// <summary>The command-line name of a kind (the inverse of <see cref="Parse"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not a defined <see cref="BackboneKind"/>.</exception>
    public static string NameOf(BackboneKind kind)
    {
        if (!Enum.IsDefined(kind))
        {
            throw new ArgumentOutOfRangeException(nameof(kind), kind, $"Unknown backbone kind {kind}.");
        }

        return kind.ToString().ToLowerInvariant();
    }
}
