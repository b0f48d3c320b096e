using KappaFace.MLNet.Onnx.Proto;

namespace KappaFace.MLNet.Onnx.Tests;

public class ModelCardTests
{
    private static ModelCard FullCard() => TinyModel.Card() with
    {
        Alignment = "arcface-5pt-112",
        TrainingEpochs = 15,
        VerificationThreshold = 0.3125,
        VerificationFar = 1e-3,
        VerificationSource = "calibrate: 600 pairs, far=1e-3",
    };

    [Fact]
    public void Round_trips_through_metadata()
    {
        var card = FullCard();
        var metadata = card.ToMetadata();
        var back = ModelCard.FromMetadata(metadata);
        Assert.Equal(card, back);
        Assert.Equal(metadata, back.ToMetadata());
        Assert.Equal(64, back.LossParameters["s"]);
        Assert.Equal(0.8, back.LossParameters["m0"]);
        Assert.Equal(1e-3, back.VerificationFar);
        Assert.Equal("arcface-5pt-112", back.Alignment);
    }

    [Fact]
    public void Writes_the_documented_key_names()
    {
        var map = FullCard().ToMetadata().ToDictionary(p => p.Key, p => p.Value);
        Assert.Equal("0.3125", map["verification.threshold"]);
        Assert.Equal("0.001", map["verification.far"]);
        Assert.Equal("calibrate: 600 pairs, far=1e-3", map["verification.source"]);
        Assert.Equal("8", map["input.size"]);
        Assert.Equal("5", map["embedding.size"]);
        Assert.Equal("RGB", map["input.color_order"]);
        Assert.Equal("0..255", map["input.value_range"]);
        Assert.Equal("NCHW", map["input.layout"]);
        Assert.Equal("kappaface", map["loss.name"]);
        Assert.Equal("64", map["loss.param.s"]);
        Assert.Equal("tiny", map["model.backbone"]);
        Assert.Equal("0.1.0-test", map["library.version"]);
        Assert.Equal("12", map["training.classes"]);
        Assert.Equal("345", map["training.images"]);
        Assert.Equal("1", map["training.seed"]);
    }

    [Fact]
    public void Keeps_unknown_keys()
    {
        var metadata = TinyModel.Card().ToMetadata()
            .Append(new("vendor.note", "hello"))
            .Append(new("zzz", "1"))
            .ToList();
        var card = ModelCard.FromMetadata(metadata);
        Assert.Equal("hello", card.AdditionalProperties["vendor.note"]);
        Assert.Equal("1", card.AdditionalProperties["zzz"]);
        var written = card.ToMetadata();
        Assert.Contains(new KeyValuePair<string, string>("vendor.note", "hello"), written);
        Assert.Contains(new KeyValuePair<string, string>("zzz", "1"), written);
        Assert.Equal(card, ModelCard.FromMetadata(written));
    }

    [Fact]
    public void WithThreshold_returns_a_changed_copy()
    {
        var card = TinyModel.Card();
        var calibrated = card.WithThreshold(0.42, null, "best accuracy on 300 pairs");
        Assert.Null(card.VerificationThreshold);
        Assert.Equal(0.42, calibrated.VerificationThreshold);
        Assert.Null(calibrated.VerificationFar);
        Assert.Equal("best accuracy on 300 pairs", calibrated.VerificationSource);
        Assert.NotEqual(card, calibrated);
        Assert.Equal(card, calibrated with { VerificationThreshold = null, VerificationSource = null });
        Assert.Throws<ArgumentOutOfRangeException>(() => card.WithThreshold(double.NaN, null, "x"));
        Assert.Throws<ArgumentOutOfRangeException>(() => card.WithThreshold(0.3, 2, "x"));
        Assert.Throws<ArgumentException>(() => card.WithThreshold(0.3, null, " "));
    }

    [Fact]
    public void Missing_and_malformed_keys_are_named()
    {
        var ex = Assert.Throws<OnnxModelException>(() => ModelCard.FromMetadata([new("library.version", "1")], "m.onnx"));
        Assert.Contains("m.onnx", ex.Message, StringComparison.Ordinal);
        foreach (var key in ModelCardKeys.Required.Skip(1))
        {
            Assert.Contains(key, ex.Message, StringComparison.Ordinal);
        }

        var bad = TinyModel.Card().ToMetadata().Select(p => p.Key == "input.size" ? new(p.Key, "big") : p).ToList();
        ex = Assert.Throws<OnnxModelException>(() => ModelCard.FromMetadata(bad, "m.onnx"));
        Assert.Contains("'input.size'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("big", ex.Message, StringComparison.Ordinal);

        var badThreshold = TinyModel.Card().ToMetadata().Append(new("verification.threshold", "high")).ToList();
        ex = Assert.Throws<OnnxModelException>(() => ModelCard.FromMetadata(badThreshold));
        Assert.Contains("verification.threshold", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Clashing_additional_property_is_refused()
    {
        var card = TinyModel.Card() with { AdditionalProperties = new Dictionary<string, string> { ["input.size"] = "9" } };
        Assert.Throws<InvalidOperationException>(() => card.ToMetadata());
    }

    [Fact]
    public void Reads_and_rewrites_a_model_file_keeping_everything_else()
    {
        using var dir = new TempDir();
        var model = TinyModel.Create();
        var path = dir.File("m.onnx");
        var proto = model.Build();
        proto.MetadataProps.Add(new StringStringEntryProto { Key = "other.tool", Value = "kept" });

        // A field neither ONNX nor this schema subset declares (number 99, varint 1).
        byte[] unknownField = [0x98, 0x06, 0x01];
        File.WriteAllBytes(path, [.. Google.Protobuf.MessageExtensions.ToByteArray(proto), .. unknownField]);

        var card = ModelCard.ReadFrom(path);
        Assert.Equal("kept", card.AdditionalProperties["other.tool"]);
        var calibrated = card.WithThreshold(0.25, 1e-2, "unit test");
        calibrated.WriteTo(path);

        Assert.Equal(calibrated, ModelCard.ReadFrom(path));
        var bytes = File.ReadAllBytes(path);
        Assert.True(bytes.AsSpan().IndexOf(unknownField) >= 0, "the unknown field must survive the rewrite");
        Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp"));
        using var embedder = FaceEmbedder.Open(path, new FaceEmbedderOptions { ExecutionProvider = "cpu" });
        Assert.Equal(0.25, embedder.Threshold);
    }
}
