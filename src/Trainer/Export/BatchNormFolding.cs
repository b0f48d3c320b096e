namespace KappaFace.MLNet.Trainer.Export;

/// <summary>
/// The eval-mode batch norm of one layer, as the raw parameters it was trained with: per channel,
/// <c>y = (x - mean) / sqrt(var + eps) * gamma + beta</c>.
/// </summary>
/// <param name="Gamma">Scale per channel (1 when the norm has no affine parameters).</param>
/// <param name="Beta">Shift per channel (0 when the norm has no affine parameters).</param>
/// <param name="Mean">Running mean per channel.</param>
/// <param name="Variance">Running variance per channel.</param>
/// <param name="Epsilon">The epsilon added to the variance.</param>
internal sealed record BatchNormParameters(float[] Gamma, float[] Beta, float[] Mean, float[] Variance, double Epsilon)
{
    /// <summary>Number of channels.</summary>
    public int Channels => Gamma.Length;
}

/// <summary>
/// Folds an eval-mode batch norm into the affine layer right before it (a convolution or a linear
/// layer): <c>BN(W x + b) = (s * W) x + (s * (b - mean) + beta)</c> with <c>s = gamma / sqrt(var + eps)</c>,
/// scaling each output channel's row of weights. That is exact only when the norm follows the layer;
/// a norm before a padded convolution cannot be folded into it (the zero padding would not be
/// normalised), which is why the exporter folds only conv -> BN and linear -> BN.
/// </summary>
internal static class BatchNormFolding
{
    /// <summary>
    /// Returns the folded weights and bias. <paramref name="weights"/> is row-major with the output
    /// channel as its first dimension (<c>[out, in/groups, kh, kw]</c> for a convolution, <c>[out, in]</c>
    /// for a linear layer). The arithmetic is done in double precision and rounded once, so folding adds
    /// no more error than storing the weights in float32 does.
    /// </summary>
    /// <param name="weights">The layer's weights.</param>
    /// <param name="bias">The layer's bias, or null when it has none.</param>
    /// <param name="norm">The batch norm after the layer; its channel count must equal the layer's outputs.</param>
    /// <returns>Weights of the same shape and a bias of one value per output channel.</returns>
    /// <exception cref="ArgumentException">The sizes do not agree.</exception>
    public static (float[] Weights, float[] Bias) Fold(ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, BatchNormParameters norm)
    {
        ArgumentNullException.ThrowIfNull(norm);
        int outputs = norm.Channels;
        if (outputs == 0 || weights.Length % outputs != 0)
        {
            throw new ArgumentException($"{weights.Length} weights do not split into {outputs} output channels.", nameof(weights));
        }

        if (!bias.IsEmpty && bias.Length != outputs)
        {
            throw new ArgumentException($"The bias has {bias.Length} values for {outputs} output channels.", nameof(bias));
        }

        int perOutput = weights.Length / outputs;
        var foldedWeights = new float[weights.Length];
        var foldedBias = new float[outputs];
        for (int o = 0; o < outputs; o++)
        {
            double scale = Scale(norm, o);
            for (int i = o * perOutput; i < (o + 1) * perOutput; i++)
            {
                foldedWeights[i] = (float)(weights[i] * scale);
            }

            double b = bias.IsEmpty ? 0 : bias[o];
            foldedBias[o] = (float)(((b - norm.Mean[o]) * scale) + norm.Beta[o]);
        }

        return (foldedWeights, foldedBias);
    }

    /// <summary>The per-channel multiplier <c>gamma / sqrt(var + eps)</c>.</summary>
    private static double Scale(BatchNormParameters norm, int channel) =>
        norm.Gamma[channel] / Math.Sqrt(norm.Variance[channel] + norm.Epsilon);
}
