using System.Globalization;
using KappaFace.MLNet.Onnx;
using KappaFace.MLNet.Onnx.Proto;

namespace KappaFace.MLNet.Transforms.Evaluation;

/// <summary>
/// A verification threshold chosen on labelled, scored pairs (docs/verification.md), with what it
/// achieves on them and how to store it in a model card (<c>verification.threshold</c>,
/// <c>verification.far</c>, <c>verification.source</c>).
/// </summary>
public sealed record ThresholdCalibration
{
    /// <summary>
    /// The threshold: same identity iff score &gt;= threshold. A float32, like the scores; the card stores
    /// its exact value, so <c>ScoreFacePairs</c> with the card reproduces these rates on these pairs.
    /// </summary>
    public required float Threshold { get; init; }

    /// <summary>The false accept rate the threshold was chosen for, or null for a best-accuracy threshold.</summary>
    public double? TargetFar { get; init; }

    /// <summary>The share of different-identity pairs accepted at the threshold.</summary>
    public required double FalseAcceptRate { get; init; }

    /// <summary>The share of same-identity pairs accepted at the threshold.</summary>
    public required double TrueAcceptRate { get; init; }

    /// <summary>The share of correct decisions at the threshold.</summary>
    public required double Accuracy { get; init; }

    /// <summary>The number of pairs calibrated on.</summary>
    public required int PairCount { get; init; }

    /// <summary>The number of same-identity pairs.</summary>
    public required int SameCount { get; init; }

    /// <summary>The number of different-identity pairs.</summary>
    public required int DifferentCount { get; init; }

    /// <summary>
    /// How the threshold was obtained, the card's <c>verification.source</c>: <c>far=0.001 on N pairs</c>
    /// or <c>best-accuracy on N pairs</c>.
    /// </summary>
    public string Source => TargetFar is { } far
        ? $"far={far.ToString("R", CultureInfo.InvariantCulture)} on {PairCount.ToString(CultureInfo.InvariantCulture)} pairs"
        : $"best-accuracy on {PairCount.ToString(CultureInfo.InvariantCulture)} pairs";

    /// <summary>A copy of <paramref name="card"/> carrying this threshold, its target FAR and <see cref="Source"/>.</summary>
    /// <param name="card">The model card.</param>
    /// <returns>The changed card.</returns>
    public ModelCard ApplyTo(ModelCard card)
    {
        ArgumentNullException.ThrowIfNull(card);
        return card.WithThreshold(Threshold, TargetFar, Source);
    }

    /// <summary>Writes this threshold into the card of an in-memory model.</summary>
    /// <param name="model">The model; its <c>metadata_props</c> are replaced.</param>
    /// <returns>The new card.</returns>
    public ModelCard WriteTo(ModelProto model)
    {
        ArgumentNullException.ThrowIfNull(model);
        ModelCard card = ApplyTo(ModelCard.ReadFrom(model));
        card.WriteTo(model);
        return card;
    }

    /// <summary>
    /// Writes a new ONNX model: <paramref name="sourceModelPath"/> with this threshold in its card (graph,
    /// weights and other card keys unchanged). The write is atomic; the source file is not changed unless
    /// it is also the destination.
    /// </summary>
    /// <param name="sourceModelPath">The calibrated model's file.</param>
    /// <param name="destinationModelPath">The file to write; its folder is created if needed.</param>
    /// <returns>The new card.</returns>
    /// <exception cref="OnnxModelException">The source is not a usable ONNX model or its card is incomplete.</exception>
    public ModelCard WriteToModel(string sourceModelPath, string destinationModelPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sourceModelPath);
        ArgumentException.ThrowIfNullOrWhiteSpace(destinationModelPath);
        ModelProto model = OnnxModelFile.Load(sourceModelPath);
        ModelCard card = ApplyTo(ModelCard.ReadFrom(model, sourceModelPath));
        card.WriteTo(model);
        OnnxModelFile.Save(model, destinationModelPath);
        return card;
    }
}
