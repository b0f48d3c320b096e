namespace KappaFace.MLNet.Trainer.Backbones;

/// <summary>The face-embedding networks the trainer can build.</summary>
public enum BackboneKind
{
    /// <summary>A few convolution layers; for tests and smoke runs only.</summary>
    Tiny,
    /// <summary>MobileFaceNet (about 1M parameters), the default for CPU training.</summary>
    MobileFaceNet,
    /// <summary>insightface IResNet with [2,2,2,2] blocks.</summary>
    IResNet18,
    /// <summary>insightface IResNet with [3,4,6,3] blocks.</summary>
    IResNet34,
    /// <summary>insightface IResNet with [3,4,14,3] blocks.</summary>
    IResNet50,
    /// <summary>insightface IResNet with [3,13,30,3] blocks.</summary>
    IResNet100,
    /// <summary>A network read from an ONNX model (<see cref="Import.ImportedBackbone"/>); not built by <see cref="BackboneFactory"/>.</summary>
    Imported,
}
