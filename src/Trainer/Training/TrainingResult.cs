using KappaFace.MLNet.Trainer.Backbones;

namespace KappaFace.MLNet.Trainer.Training;

/// <summary>A trained backbone and what the run measured. The caller owns (and disposes) the backbone.</summary>
/// <param name="Backbone">The trained network, in eval mode, on the CPU.</param>
/// <param name="Epochs">One report per epoch, including epochs done before a resume.</param>
/// <param name="Device">The device trained on (<c>cpu</c> or <c>cuda:N</c>).</param>
/// <param name="Classes">Identities in the training set.</param>
/// <param name="Images">Images in the training set.</param>
public sealed record TrainingResult(FaceBackbone Backbone, IReadOnlyList<EpochReport> Epochs, string Device, int Classes, int Images);
