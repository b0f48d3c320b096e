namespace KappaFace.MLNet.Onnx.Import;

/// <summary>Colour-plane order a foreign model was trained with.</summary>
public enum SourceChannelOrder
{
    /// <summary>Red, green, blue (ML.NET, PIL, PyTorch loaders).</summary>
    Rgb,

    /// <summary>Blue, green, red (OpenCV loaders; many insightface and Caffe models).</summary>
    Bgr,
}

/// <summary>
/// How a foreign face-embedding model expects its input, so the imported model can take the
/// contract's raw RGB 0..255 pixels: its graph starts with the channel swap and
/// <c>(x / PixelScale - Mean) / Std</c> per channel. The defaults are the insightface/ArcFace
/// convention, <c>(x - 127.5) / 127.5</c> on RGB, which is also this library's own.
/// </summary>
public sealed record FaceModelImportOptions
{
    /// <summary>Colour-plane order the source expects; default <see cref="SourceChannelOrder.Rgb"/>.</summary>
    public SourceChannelOrder Channels { get; init; } = SourceChannelOrder.Rgb;

    /// <summary>Raw pixels are divided by this first (255 for models that take 0..1); default 1.</summary>
    public float PixelScale { get; init; } = 1f;

    /// <summary>Per-channel mean subtracted after scaling, in the source's channel order; default 127.5 each.</summary>
    public IReadOnlyList<float> Mean { get; init; } = [127.5f, 127.5f, 127.5f];

    /// <summary>Per-channel divisor applied last, in the source's channel order; default 127.5 each.</summary>
    public IReadOnlyList<float> Std { get; init; } = [127.5f, 127.5f, 127.5f];

    /// <summary>Input side S; required when the source's height and width are not fixed, else null (read from the file).</summary>
    public int? InputSize { get; init; }

    /// <summary>The source's image input; null picks its only non-initialiser input.</summary>
    public string? InputName { get; init; }

    /// <summary>The source tensor taken as the embedding (a graph output or any node output); null picks the only graph output.</summary>
    public string? OutputName { get; init; }

    /// <summary>
    /// The face alignment the source was trained on, written to the model card; default
    /// <c>arcface-5pt-112</c>, the five-point similarity alignment of insightface-lineage models.
    /// </summary>
    public string Alignment { get; init; } = "arcface-5pt-112";

    /// <summary>Name written as the model card's backbone; null uses the source file name.</summary>
    public string? Name { get; init; }

    /// <summary>Throws when a value cannot describe a preprocessing.</summary>
    /// <exception cref="ArgumentException">A list does not have three values, a std is zero or a value is not finite.</exception>
    public void Validate()
    {
        if (!float.IsFinite(PixelScale) || PixelScale <= 0)
        {
            throw new ArgumentException($"The pixel scale must be a positive number; got {PixelScale}.", nameof(PixelScale));
        }

        Check(Mean, nameof(Mean), zeroAllowed: true);
        Check(Std, nameof(Std), zeroAllowed: false);
        if (InputSize is <= 0)
        {
            throw new ArgumentException($"The input size must be positive; got {InputSize}.", nameof(InputSize));
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(Alignment, nameof(Alignment));
    }

    private static void Check(IReadOnlyList<float> values, string name, bool zeroAllowed)
    {
        if (values is null || values.Count != 3)
        {
            throw new ArgumentException($"{name} needs three values, one per colour channel.", name);
        }

        if (values.Any(v => !float.IsFinite(v) || (!zeroAllowed && v == 0)))
        {
            throw new ArgumentException(
                $"{name} values must be finite{(zeroAllowed ? "" : " and non-zero")}; got {string.Join(", ", values)}.", name);
        }
    }
}
