using System.Collections.ObjectModel;
using System.Globalization;
using KappaFace.MLNet.Onnx.Proto;

namespace KappaFace.MLNet.Onnx;

/// <summary>
/// Typed view of a model's <c>metadata_props</c> (docs/onnx-model.md, "Model card"). Key names are in
/// <see cref="ModelCardKeys"/>. Reading keeps unknown keys in <see cref="AdditionalProperties"/> and
/// writes them back. Immutable: use <c>with</c> or <see cref="WithThreshold"/> for changed copies.
/// Two cards are equal when they write the same metadata.
/// </summary>
public sealed record ModelCard
{
    /// <summary>Value of <see cref="ColorOrder"/> for the standard contract.</summary>
    public const string Rgb = "RGB";

    /// <summary>Value of <see cref="ValueRange"/> for the standard contract.</summary>
    public const string PixelRange0To255 = "0..255";

    /// <summary>Value of <see cref="Layout"/> for the standard contract.</summary>
    public const string Nchw = "NCHW";

    /// <summary>Value of <see cref="Alignment"/> when no alignment is expected.</summary>
    public const string NoAlignment = "none";

    private static readonly IReadOnlyDictionary<string, double> NoParameters =
        new ReadOnlyDictionary<string, double>(new Dictionary<string, double>());

    private static readonly IReadOnlyDictionary<string, string> NoProperties =
        new ReadOnlyDictionary<string, string>(new Dictionary<string, string>());

    /// <summary>Version of KappaFace.MLNet that wrote the model.</summary>
    public required string LibraryVersion { get; init; }

    /// <summary>Backbone name (optional).</summary>
    public string? Backbone { get; init; }

    /// <summary>Input height and width in pixels.</summary>
    public required int InputSize { get; init; }

    /// <summary>Colour plane order of the input; <see cref="Rgb"/> by default.</summary>
    public string ColorOrder { get; init; } = Rgb;

    /// <summary>Range of raw input values; <see cref="PixelRange0To255"/> by default.</summary>
    public string ValueRange { get; init; } = PixelRange0To255;

    /// <summary>Input layout; <see cref="Nchw"/> by default.</summary>
    public string Layout { get; init; } = Nchw;

    /// <summary>Face alignment expected; <see cref="NoAlignment"/> by default.</summary>
    public string Alignment { get; init; } = NoAlignment;

    /// <summary>Embedding dimension D.</summary>
    public required int EmbeddingSize { get; init; }

    /// <summary>Loss name (optional).</summary>
    public string? Loss { get; init; }

    /// <summary>Loss hyper-parameters by name (e.g. <c>s</c>, <c>m0</c>); empty by default.</summary>
    public IReadOnlyDictionary<string, double> LossParameters { get; init; } = NoParameters;

    /// <summary>Number of training identities (optional).</summary>
    public int? TrainingClasses { get; init; }

    /// <summary>Number of training images (optional).</summary>
    public long? TrainingImages { get; init; }

    /// <summary>Training seed (optional).</summary>
    public long? TrainingSeed { get; init; }

    /// <summary>Training epochs (optional).</summary>
    public int? TrainingEpochs { get; init; }

    /// <summary>Verification threshold on cosine similarity, when calibrated.</summary>
    public double? VerificationThreshold { get; init; }

    /// <summary>False accept rate the threshold targets, when it was chosen for one.</summary>
    public double? VerificationFar { get; init; }

    /// <summary>How the threshold was obtained, when calibrated.</summary>
    public string? VerificationSource { get; init; }

    /// <summary>Metadata keys this version does not know, kept as read and written back.</summary>
    public IReadOnlyDictionary<string, string> AdditionalProperties { get; init; } = NoProperties;

    /// <summary>Reads a card from metadata entries (later duplicates win).</summary>
    /// <param name="metadata">The <c>metadata_props</c> entries.</param>
    /// <param name="source">The model path or name, for error messages.</param>
    /// <returns>The card.</returns>
    /// <exception cref="OnnxModelException">Required keys are missing or a value is malformed.</exception>
    public static ModelCard FromMetadata(IEnumerable<KeyValuePair<string, string>> metadata, string? source = null)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in metadata)
        {
            map[key] = value;
        }

        var missing = ModelCardKeys.Required.Where(k => !map.ContainsKey(k)).ToArray();
        if (missing.Length > 0)
        {
            throw new OnnxModelException(
                source, "the model card (metadata_props) lacks required key(s): " + string.Join(", ", missing));
        }

        var reader = new Reader(map, source);
        var lossParameters = new SortedDictionary<string, double>(StringComparer.Ordinal);
        var extra = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var known = new HashSet<string>(ModelCardKeys.Known, StringComparer.Ordinal);
        foreach (var (key, value) in map)
        {
            if (key.StartsWith(ModelCardKeys.LossParameterPrefix, StringComparison.Ordinal)
                && key.Length > ModelCardKeys.LossParameterPrefix.Length)
            {
                lossParameters[key[ModelCardKeys.LossParameterPrefix.Length..]] = reader.Double(key)!.Value;
            }
            else if (!known.Contains(key))
            {
                extra[key] = value;
            }
        }

        return new ModelCard
        {
            LibraryVersion = map[ModelCardKeys.LibraryVersion],
            Backbone = reader.Text(ModelCardKeys.Backbone),
            InputSize = reader.PositiveInt(ModelCardKeys.InputSize),
            ColorOrder = map[ModelCardKeys.ColorOrder],
            ValueRange = map[ModelCardKeys.ValueRange],
            Layout = map[ModelCardKeys.Layout],
            Alignment = map[ModelCardKeys.Alignment],
            EmbeddingSize = reader.PositiveInt(ModelCardKeys.EmbeddingSize),
            Loss = reader.Text(ModelCardKeys.Loss),
            LossParameters = new ReadOnlyDictionary<string, double>(new Dictionary<string, double>(lossParameters)),
            TrainingClasses = (int?)reader.Long(ModelCardKeys.TrainingClasses, int.MaxValue),
            TrainingImages = reader.Long(ModelCardKeys.TrainingImages, long.MaxValue),
            TrainingSeed = reader.Long(ModelCardKeys.TrainingSeed, long.MaxValue),
            TrainingEpochs = (int?)reader.Long(ModelCardKeys.TrainingEpochs, int.MaxValue),
            VerificationThreshold = reader.Double(ModelCardKeys.VerificationThreshold),
            VerificationFar = reader.Double(ModelCardKeys.VerificationFar),
            VerificationSource = reader.Text(ModelCardKeys.VerificationSource),
            AdditionalProperties = new ReadOnlyDictionary<string, string>(new Dictionary<string, string>(extra)),
        };
    }

    /// <summary>Reads the card of a model file without loading its weights or an ONNX Runtime session.</summary>
    /// <param name="modelPath">The .onnx file.</param>
    /// <returns>The card.</returns>
    /// <exception cref="OnnxModelException">The file is not a usable ONNX model or its card is incomplete.</exception>
    public static ModelCard ReadFrom(string modelPath) =>
        FromMetadata(OnnxModelFile.ReadHeader(modelPath).Metadata, modelPath);

    /// <summary>Reads the card of an in-memory model.</summary>
    /// <param name="model">The model.</param>
    /// <param name="source">A name for error messages.</param>
    /// <returns>The card.</returns>
    public static ModelCard ReadFrom(ModelProto model, string? source = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        return FromMetadata(model.MetadataProps.Select(p => new KeyValuePair<string, string>(p.Key, p.Value)), source);
    }

    /// <summary>
    /// The metadata entries: known keys in <see cref="ModelCardKeys.Known"/> order (optional ones only
    /// when set), then loss parameters and additional properties sorted by key.
    /// </summary>
    /// <returns>The entries.</returns>
    /// <exception cref="InvalidOperationException">The card is invalid (sizes not positive, a key clash).</exception>
    public IReadOnlyList<KeyValuePair<string, string>> ToMetadata()
    {
        if (InputSize <= 0 || EmbeddingSize <= 0)
        {
            throw new InvalidOperationException("A model card needs a positive InputSize and EmbeddingSize.");
        }

        var list = new List<KeyValuePair<string, string>>();
        void Add(string key, string? value)
        {
            if (value is not null)
            {
                list.Add(new(key, value));
            }
        }

        static string? Num(double? v) => v?.ToString("R", CultureInfo.InvariantCulture);
        static string? Int(long? v) => v?.ToString(CultureInfo.InvariantCulture);

        Add(ModelCardKeys.LibraryVersion, LibraryVersion);
        Add(ModelCardKeys.Backbone, Backbone);
        Add(ModelCardKeys.InputSize, Int(InputSize));
        Add(ModelCardKeys.ColorOrder, ColorOrder);
        Add(ModelCardKeys.ValueRange, ValueRange);
        Add(ModelCardKeys.Layout, Layout);
        Add(ModelCardKeys.Alignment, Alignment);
        Add(ModelCardKeys.EmbeddingSize, Int(EmbeddingSize));
        Add(ModelCardKeys.Loss, Loss);
        Add(ModelCardKeys.TrainingClasses, Int(TrainingClasses));
        Add(ModelCardKeys.TrainingImages, Int(TrainingImages));
        Add(ModelCardKeys.TrainingSeed, Int(TrainingSeed));
        Add(ModelCardKeys.TrainingEpochs, Int(TrainingEpochs));
        Add(ModelCardKeys.VerificationThreshold, Num(VerificationThreshold));
        Add(ModelCardKeys.VerificationFar, Num(VerificationFar));
        Add(ModelCardKeys.VerificationSource, VerificationSource);
        foreach (var (name, value) in LossParameters.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (string.IsNullOrEmpty(name))
            {
                throw new InvalidOperationException("A loss hyper-parameter has an empty name.");
            }

            Add(ModelCardKeys.LossParameterPrefix + name, Num(value));
        }

        var used = new HashSet<string>(list.Select(p => p.Key), StringComparer.Ordinal);
        foreach (var (key, value) in AdditionalProperties.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (used.Contains(key) || ModelCardKeys.Known.Contains(key))
            {
                throw new InvalidOperationException(
                    $"Additional property '{key}' clashes with a model-card key; set the typed property instead.");
            }

            Add(key, value);
        }

        return list;
    }

    /// <summary>Returns a copy with a new verification threshold and its provenance.</summary>
    /// <param name="threshold">Cosine-similarity threshold (finite).</param>
    /// <param name="far">The false accept rate it was chosen for, or null (e.g. best-accuracy threshold).</param>
    /// <param name="source">How it was obtained, e.g. <c>"calibrate: 3000 pairs of lfw, far=1e-3"</c>.</param>
    /// <returns>The changed card.</returns>
    public ModelCard WithThreshold(double threshold, double? far, string source)
    {
        if (!double.IsFinite(threshold))
        {
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "The threshold must be finite.");
        }

        if (far is { } f && (!double.IsFinite(f) || f < 0 || f > 1))
        {
            throw new ArgumentOutOfRangeException(nameof(far), far, "The false accept rate must be in [0, 1].");
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(source);
        return this with { VerificationThreshold = threshold, VerificationFar = far, VerificationSource = source };
    }

    /// <summary>Replaces the model's <c>metadata_props</c> with this card.</summary>
    /// <param name="model">The model to change.</param>
    public void WriteTo(ModelProto model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var entries = ToMetadata();
        model.MetadataProps.Clear();
        foreach (var (key, value) in entries)
        {
            model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        }
    }

    /// <summary>
    /// Rewrites a model file with this card as its metadata, atomically; everything else in the file
    /// (graph, weights, fields this library does not know) is kept.
    /// </summary>
    /// <param name="modelPath">The .onnx file.</param>
    public void WriteTo(string modelPath)
    {
        var model = OnnxModelFile.Load(modelPath);
        WriteTo(model);
        OnnxModelFile.Save(model, modelPath);
    }

    /// <inheritdoc/>
    public bool Equals(ModelCard? other) =>
        other is not null && (ReferenceEquals(this, other) || ToMetadata().SequenceEqual(other.ToMetadata()));

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var (key, value) in ToMetadata())
        {
            hash.Add(key, StringComparer.Ordinal);
            hash.Add(value, StringComparer.Ordinal);
        }

        return hash.ToHashCode();
    }

    /// <summary>Parses metadata values with errors that name the key.</summary>
    private sealed class Reader(Dictionary<string, string> map, string? source)
    {
        public string? Text(string key) => map.TryGetValue(key, out var v) ? v : null;

        public int PositiveInt(string key)
        {
            var v = Long(key, int.MaxValue) ?? throw Bad(key, "is missing");
            return v > 0 ? (int)v : throw Bad(key, $"is '{map[key]}', not a positive integer");
        }

        public long? Long(string key, long max)
        {
            if (!map.TryGetValue(key, out var text))
            {
                return null;
            }

            return long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= 0 && v <= max
                ? v
                : throw Bad(key, $"is '{text}', not a non-negative integer");
        }

        public double? Double(string key)
        {
            if (!map.TryGetValue(key, out var text))
            {
                return null;
            }

            return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v)
                ? v
                : throw Bad(key, $"is '{text}', not a number");
        }

        private OnnxModelException Bad(string key, string what) =>
            new(source, $"model card key '{key}' {what}");
    }
}
