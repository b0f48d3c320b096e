namespace KappaFace.MLNet.Transforms.Evaluation;

/// <summary>
/// The true accept rate at a target false accept rate: the best TAR among thresholds whose FAR is at
/// most <paramref name="Far"/>.
/// </summary>
/// <param name="Far">The target false accept rate.</param>
/// <param name="Tar">The true accept rate, or null when there are fewer than 1/<paramref name="Far"/>
/// different-identity pairs (the rate could not be measured).</param>
/// <param name="Threshold">The smallest threshold whose FAR is at most <paramref name="Far"/> (the one
/// a calibration at that FAR would store), or null with <paramref name="Tar"/>.</param>
public sealed record TarAtFarPoint(double Far, double? Tar, float? Threshold);
