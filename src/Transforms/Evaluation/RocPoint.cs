namespace KappaFace.MLNet.Transforms.Evaluation;

/// <summary>One point of a ROC curve: accepting pairs with score &gt;= <paramref name="Threshold"/>.</summary>
/// <param name="Threshold">The score threshold.</param>
/// <param name="FalseAcceptRate">Share of different-identity pairs accepted (FAR, false positive rate).</param>
/// <param name="TrueAcceptRate">Share of same-identity pairs accepted (TAR, true positive rate).</param>
public readonly record struct RocPoint(float Threshold, double FalseAcceptRate, double TrueAcceptRate);
