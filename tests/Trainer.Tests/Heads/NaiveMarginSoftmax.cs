namespace KappaFace.MLNet.Trainer.Tests.Heads;

/// <summary>Which margin the naive re-computation applies.</summary>
public enum NaiveMargin
{
    Angular,
    Cosine,
}

/// <summary>
/// Margin softmax cross-entropy and its gradient re-computed per sample with plain loops in float64, independently
/// of TorchSharp: <c>z_ij = s cos_ij</c>, target <c>z_iy = s f(cos_iy)</c>, <c>L = mean_i (LSE_j z_ij - z_iy)</c>.
/// </summary>
internal sealed class NaiveMarginSoftmax
{
    public required NaiveMargin Kind { get; init; }
    public required double Scale { get; init; }
    public double ClampEpsilon { get; init; } = 1e-7;
    public bool Fallback { get; init; }
    public bool Detach { get; init; }

    /// <summary>Target value f(c) and its derivative f'(c) for margin m.</summary>
    public (double Value, double Derivative) Target(double c, double m)
    {
        if (Kind == NaiveMargin.Cosine)
        {
            return (c - m, 1);
        }

        if (Fallback && !(c > Math.Cos(Math.PI - m)))
        {
            return (c - Math.Sin(Math.PI - m) * m, 1);
        }

        var clamped = Math.Clamp(c, -1 + ClampEpsilon, 1 - ClampEpsilon);
        var theta = Math.Acos(clamped);
        // d/dc cos(acos c + m) = sin(theta + m) / sin(theta); zero where the clamp is active.
        var derivative = clamped == c ? Math.Sin(theta + m) / Math.Sin(theta) : 0;
        return (Math.Cos(theta + m), Detach ? 1 : derivative);
    }

    public static double[][] Cosines(double[][] x, double[][] w)
    {
        var unitCentres = w.Select(TestData.Normalised).ToArray();
        return x.Select(xi => unitCentres.Select(wj => TestData.Dot(xi, wj)).ToArray()).ToArray();
    }

    public double[][] Logits(double[][] x, double[][] w, int[] labels, double[] marginPerSample)
    {
        var cos = Cosines(x, w);
        var logits = new double[x.Length][];
        for (var i = 0; i < x.Length; i++)
        {
            logits[i] = cos[i].Select(c => Scale * c).ToArray();
            logits[i][labels[i]] = Scale * Target(cos[i][labels[i]], marginPerSample[i]).Value;
        }

        return logits;
    }

    public double Loss(double[][] x, double[][] w, int[] labels, double[] marginPerSample)
    {
        var logits = Logits(x, w, labels, marginPerSample);
        var total = 0.0;
        for (var i = 0; i < x.Length; i++)
        {
            total += LogSumExp(logits[i]) - logits[i][labels[i]];
        }

        return total / x.Length;
    }

    /// <summary>Analytic gradient of <see cref="Loss"/> with respect to the features and the (unnormalised) centres.</summary>
    public (double[][] Features, double[][] Centres) Gradient(double[][] x, double[][] w, int[] labels, double[] marginPerSample)
    {
        int batch = x.Length, classes = w.Length, dim = w[0].Length;
        var cos = Cosines(x, w);
        var logits = Logits(x, w, labels, marginPerSample);
        var unitCentres = w.Select(TestData.Normalised).ToArray();
        var gradCos = new double[batch][];
        for (var i = 0; i < batch; i++)
        {
            var lse = LogSumExp(logits[i]);
            gradCos[i] = new double[classes];
            for (var j = 0; j < classes; j++)
            {
                var softmax = Math.Exp(logits[i][j] - lse);
                var gradLogit = (softmax - (j == labels[i] ? 1 : 0)) / batch;
                var chain = j == labels[i] ? Target(cos[i][j], marginPerSample[i]).Derivative : 1;
                gradCos[i][j] = Scale * gradLogit * chain;
            }
        }

        var gradX = new double[batch][];
        for (var i = 0; i < batch; i++)
        {
            gradX[i] = new double[dim];
            for (var j = 0; j < classes; j++)
            {
                for (var d = 0; d < dim; d++)
                {
                    gradX[i][d] += gradCos[i][j] * unitCentres[j][d];
                }
            }
        }

        // cos_ij = x_i . w_j / |w_j|, so d cos_ij / d w_j = (I - w^_j w^_j^T) x_i / |w_j|.
        var gradW = new double[classes][];
        for (var j = 0; j < classes; j++)
        {
            var v = new double[dim];
            for (var i = 0; i < batch; i++)
            {
                for (var d = 0; d < dim; d++)
                {
                    v[d] += gradCos[i][j] * x[i][d];
                }
            }

            var norm = Math.Sqrt(TestData.Dot(w[j], w[j]));
            var along = TestData.Dot(unitCentres[j], v);
            gradW[j] = v.Select((vd, d) => (vd - along * unitCentres[j][d]) / norm).ToArray();
        }

        return (gradX, gradW);
    }

    /// <summary>Central finite differences of <see cref="Loss"/>, to validate <see cref="Gradient"/> itself.</summary>
    public (double[][] Features, double[][] Centres) FiniteDifferenceGradient(double[][] x, double[][] w, int[] labels, double[] marginPerSample, double step = 1e-6)
    {
        double[][] Differentiate(double[][] target)
        {
            var grad = target.Select(r => new double[r.Length]).ToArray();
            for (var i = 0; i < target.Length; i++)
            {
                for (var d = 0; d < target[i].Length; d++)
                {
                    var saved = target[i][d];
                    target[i][d] = saved + step;
                    var up = Loss(x, w, labels, marginPerSample);
                    target[i][d] = saved - step;
                    var down = Loss(x, w, labels, marginPerSample);
                    target[i][d] = saved;
                    grad[i][d] = (up - down) / (2 * step);
                }
            }

            return grad;
        }

        return (Differentiate(x), Differentiate(w));
    }

    private static double LogSumExp(double[] values)
    {
        var max = values.Max();
        return max + Math.Log(values.Sum(v => Math.Exp(v - max)));
    }
}
