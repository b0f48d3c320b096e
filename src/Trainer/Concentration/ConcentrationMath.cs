using KappaFace.MLNet.Trainer.Heads;

namespace KappaFace.MLNet.Trainer.Concentration;

/// <summary>
/// KappaFace's per-class weights in float64, without tensors (docs/kappaface.md, equations 5 to 9): concentration estimate,
/// concentration weight, sample-count weight and their combination <c>psi</c>.
/// </summary>
public static class ConcentrationMath
{
    /// <summary>
    /// Below this, the spread of the concentrations (relative to their mean, or absolutely when the mean is below 1)
    /// is treated as zero: every standardised value becomes 0 and every weight 0.5, instead of dividing by ~0.
    /// </summary>
    public const double SigmaEpsilon = 1e-12;

    /// <summary>
    /// Mean resultant length <c>Rbar_c = ||S_c|| / n_c</c> of each class. A class with <c>n_c = 0</c> gives NaN
    /// (0/0), which <see cref="Kappa"/> maps to 0.
    /// </summary>
    /// <param name="sumNorms">Euclidean norm of each class's sum of unit vectors.</param>
    /// <param name="counts">The divisor of each class (its dataset count, or its observed count).</param>
    public static double[] ResultantLengths(IReadOnlyList<double> sumNorms, IReadOnlyList<long> counts)
    {
        ArgumentNullException.ThrowIfNull(sumNorms);
        ArgumentNullException.ThrowIfNull(counts);
        RequireSameLength(sumNorms.Count, counts.Count, nameof(counts));
        var result = new double[sumNorms.Count];
        for (var c = 0; c < result.Length; c++)
        {
            result[c] = sumNorms[c] / counts[c];
        }

        return result;
    }

    /// <summary>
    /// The Banerjee/Sra estimate <c>Rbar (d - Rbar^2) / (1 - Rbar^2)</c> of one class, before any replacement:
    /// +inf at <c>Rbar = 1</c>, NaN for a NaN input.
    /// </summary>
    /// <param name="resultantLength">Mean resultant length <c>Rbar</c>.</param>
    /// <param name="dimension">The sphere's ambient dimension <c>d</c>.</param>
    /// <param name="clamp">
    /// 0 for the reference's arithmetic. A positive value clamps <c>Rbar</c> to <c>[0, 1 - clamp]</c> and treats a
    /// class at the bound as the exact degenerate case (+inf), so a singleton class whose unit vector's norm is a
    /// rounding error from 1 does not produce a huge finite outlier (docs/kappaface.md, Edge cases).
    /// </param>
    public static double RawKappa(double resultantLength, int dimension, double clamp)
    {
        var r = resultantLength;
        if (clamp > 0 && r >= 1 - clamp)
        {
            return double.PositiveInfinity;
        }

        if (clamp > 0 && r < 0)
        {
            r = 0;
        }

        var rr = r * r;
        var denominator = 1 - rr;
        // IEEE division gives +inf for a positive numerator over +0, as torch does in the reference.
        return r * (dimension - rr) / denominator;
    }

    /// <summary>
    /// Concentration <c>kappa_c</c> of every class: <see cref="RawKappa(double, int, double)"/>, then +inf replaced by the largest
    /// finite value of the set and NaN by 0 (the reference's rule).
    /// </summary>
    /// <param name="resultantLengths">Mean resultant length of each class.</param>
    /// <param name="dimension">The sphere's ambient dimension <c>d</c> (the reference hard-codes 512).</param>
    /// <param name="clamp">See <see cref="RawKappa(double, int, double)"/>; <see cref="KappaFaceOptions.ResultantClamp"/>.</param>
    public static double[] Kappa(IReadOnlyList<double> resultantLengths, int dimension, double clamp)
        => ReplaceNonFinite(RawKappa(resultantLengths, dimension, clamp));

    /// <summary><see cref="RawKappa(double, int, double)"/> of every class, with no replacement.</summary>
    /// <param name="resultantLengths">Mean resultant length of each class.</param>
    /// <param name="dimension">The sphere's ambient dimension <c>d</c>.</param>
    /// <param name="clamp">See <see cref="RawKappa(double, int, double)"/>.</param>
    public static double[] RawKappa(IReadOnlyList<double> resultantLengths, int dimension, double clamp)
    {
        ArgumentNullException.ThrowIfNull(resultantLengths);
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        var raw = new double[resultantLengths.Count];
        for (var c = 0; c < raw.Length; c++)
        {
            raw[c] = RawKappa(resultantLengths[c], dimension, clamp);
        }

        return raw;
    }

    /// <summary>
    /// The reference's repair of raw concentrations: +inf becomes the largest finite value (0 when there is none)
    /// and NaN becomes 0. Huge finite values are kept.
    /// </summary>
    /// <param name="rawKappa">Concentrations that may hold +inf or NaN.</param>
    /// <remarks>
    /// The maximum is taken over finite values only; the reference's <c>kappa[kappa != inf].max()</c> would be NaN
    /// when a NaN is present, which then turned every +inf into NaN and so into 0.
    /// </remarks>
    public static double[] ReplaceNonFinite(IReadOnlyList<double> rawKappa)
    {
        ArgumentNullException.ThrowIfNull(rawKappa);
        var maxFinite = double.NegativeInfinity;
        foreach (var k in rawKappa)
        {
            if (double.IsFinite(k) && k > maxFinite)
            {
                maxFinite = k;
            }
        }

        var replacement = double.IsFinite(maxFinite) ? maxFinite : 0;
        var result = new double[rawKappa.Count];
        for (var c = 0; c < result.Length; c++)
        {
            var k = rawKappa[c];
            result[c] = double.IsNaN(k) ? 0 : double.IsPositiveInfinity(k) ? replacement : k;
        }

        return result;
    }

    /// <summary>Mean and standard deviation of the concentrations.</summary>
    /// <param name="kappa">Concentrations (finite).</param>
    /// <param name="unbiased">Divide by C - 1 (PyTorch's default, the code) rather than C (paper v1).</param>
    /// <returns>The mean, and the standard deviation (NaN for an unbiased estimate of a single class).</returns>
    public static (double Mean, double StandardDeviation) Moments(IReadOnlyList<double> kappa, bool unbiased)
    {
        ArgumentNullException.ThrowIfNull(kappa);
        if (kappa.Count == 0)
        {
            throw new ArgumentException("At least one class is needed.", nameof(kappa));
        }

        var mean = 0.0;
        foreach (var k in kappa)
        {
            mean += k;
        }

        mean /= kappa.Count;
        var squares = 0.0;
        foreach (var k in kappa)
        {
            squares += (k - mean) * (k - mean);
        }

        var divisor = unbiased ? kappa.Count - 1 : kappa.Count;
        return (mean, divisor > 0 ? Math.Sqrt(squares / divisor) : double.NaN);
    }

    /// <summary>
    /// Standardised concentrations <c>(kappa - mean) / std</c> over all classes. When the spread is negligible
    /// (see <see cref="SigmaEpsilon"/>) or undefined, every value is 0 instead of NaN.
    /// </summary>
    /// <param name="kappa">Concentrations (finite).</param>
    /// <param name="unbiased">See <see cref="Moments"/>.</param>
    public static double[] Standardize(IReadOnlyList<double> kappa, bool unbiased)
    {
        var (mean, std) = Moments(kappa, unbiased);
        var result = new double[kappa.Count];
        // !(>=) also catches the NaN of a single class's unbiased estimate.
        if (!(std >= SigmaEpsilon * Math.Max(1, Math.Abs(mean))))
        {
            return result;
        }

        for (var c = 0; c < result.Length; c++)
        {
            result[c] = (kappa[c] - mean) / std;
        }

        return result;
    }

    /// <summary>
    /// Concentration weight <c>w_kappa = 1 - sigmoid(T * kappa~)</c>: above 0.5 for classes less concentrated than
    /// average (hard classes get a larger margin).
    /// </summary>
    /// <param name="kappa">Concentrations (finite).</param>
    /// <param name="temperature"><c>T</c>; it multiplies the standardised value, as in the code.</param>
    /// <param name="unbiased">See <see cref="Moments"/>.</param>
    public static double[] ConcentrationWeights(IReadOnlyList<double> kappa, double temperature, bool unbiased)
    {
        var standardized = Standardize(kappa, unbiased);
        var result = new double[standardized.Length];
        for (var c = 0; c < result.Length; c++)
        {
            // 1 - sigmoid(z) = sigmoid(-z) = 1 / (1 + e^z), without cancellation.
            result[c] = 1 / (1 + Math.Exp(temperature * standardized[c]));
        }

        return result;
    }

    /// <summary>End point of the half-cosine, <c>K = countScale * max n_c</c>.</summary>
    /// <param name="counts">Dataset count of each class.</param>
    /// <param name="countScale">1.05 in the code, 1 in paper v1.</param>
    public static double CountCeiling(IReadOnlyList<long> counts, double countScale)
    {
        ArgumentNullException.ThrowIfNull(counts);
        if (counts.Count == 0)
        {
            throw new ArgumentException("At least one class is needed.", nameof(counts));
        }

        return countScale * counts.Max();
    }

    /// <summary>
    /// Sample-count weight <c>w_s = (cos(pi n_c / K) + 1) / 2</c> with <c>K = countScale * max n_c</c>: near 1 for
    /// rare classes, near 0 for the largest.
    /// </summary>
    /// <param name="counts">Dataset count of each class.</param>
    /// <param name="countScale">1.05 in the code, 1 in paper v1.</param>
    public static double[] SampleWeights(IReadOnlyList<long> counts, double countScale)
    {
        var ceiling = CountCeiling(counts, countScale);
        var result = new double[counts.Count];
        for (var c = 0; c < result.Length; c++)
        {
            result[c] = (Math.Cos(Math.PI * counts[c] / ceiling) + 1) / 2;
        }

        return result;
    }

    /// <summary>Combines the two weights into the margin factor <c>psi</c>.</summary>
    /// <param name="concentrationWeights"><c>w_kappa</c> per class.</param>
    /// <param name="sampleWeights"><c>w_s</c> per class.</param>
    /// <param name="gamma">Mixing weight in [0, 1].</param>
    /// <param name="convention">Which weight <paramref name="gamma"/> multiplies.</param>
    public static double[] Psi(IReadOnlyList<double> concentrationWeights, IReadOnlyList<double> sampleWeights, double gamma, GammaConvention convention)
    {
        ArgumentNullException.ThrowIfNull(concentrationWeights);
        ArgumentNullException.ThrowIfNull(sampleWeights);
        RequireSameLength(concentrationWeights.Count, sampleWeights.Count, nameof(sampleWeights));
        var result = new double[concentrationWeights.Count];
        for (var c = 0; c < result.Length; c++)
        {
            var (weighted, rest) = convention == GammaConvention.PaperV1
                ? (sampleWeights[c], concentrationWeights[c])
                : (concentrationWeights[c], sampleWeights[c]);
            result[c] = gamma * weighted + (1 - gamma) * rest;
        }

        return result;
    }

    private static void RequireSameLength(int expected, int actual, string name)
    {
        if (expected != actual)
        {
            throw new ArgumentException($"Expected {expected} values, one per class; got {actual}.", name);
        }
    }
}
