using KappaFace.MLNet.Trainer.Backbones;
using Xunit;
using static TorchSharp.torch;

namespace KappaFace.MLNet.Trainer.Tests.Backbones;

public class BackboneFactoryTests
{
    public static TheoryData<BackboneKind> AllKinds => new(BackboneFactory.Buildable);

    [Theory]
    [MemberData(nameof(AllKinds))]
    public void Parse_round_trips_NameOf(BackboneKind kind)
    {
        var name = BackboneFactory.NameOf(kind);
        Assert.Equal(name.ToLowerInvariant(), name);
        Assert.Equal(kind, BackboneFactory.Parse(name));
        Assert.Equal(kind, BackboneFactory.Parse(name.ToUpperInvariant()));
        Assert.Equal(kind, BackboneFactory.Parse($"  {kind}  "));
    }

    [Fact]
    public void Names_are_the_documented_command_line_names()
    {
        Assert.Equal(
            ["tiny", "mobilefacenet", "iresnet18", "iresnet34", "iresnet50", "iresnet100"],
            BackboneFactory.Names);
    }

    [Theory]
    [InlineData("resnet50")]
    [InlineData("r50")]
    [InlineData("")]
    [InlineData("2")]
    [InlineData("tiny, iresnet50")]
    public void Parse_rejects_unknown_names_naming_the_value_and_the_valid_ones(string name)
    {
        var e = Assert.Throws<ArgumentException>(() => BackboneFactory.Parse(name));
        Assert.Equal("name", e.ParamName);
        Assert.Contains($"'{name}'", e.Message, StringComparison.Ordinal);
        Assert.Contains("iresnet50", e.Message, StringComparison.Ordinal);
        Assert.Contains("mobilefacenet", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_rejects_null()
        => Assert.Throws<ArgumentNullException>(() => BackboneFactory.Parse(null!));

    [Theory]
    [InlineData(BackboneKind.Tiny, 0)]
    [InlineData(BackboneKind.Tiny, -16)]
    [InlineData(BackboneKind.Tiny, 56)]
    [InlineData(BackboneKind.MobileFaceNet, 8)]
    [InlineData(BackboneKind.IResNet100, 120)]
    [InlineData(BackboneKind.IResNet50, 113)]
    public void Create_rejects_an_input_size_that_is_not_a_positive_multiple_of_16(BackboneKind kind, int size)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => BackboneFactory.Create(kind, size, 64));
        Assert.Equal("inputSize", e.ParamName);
        Assert.Equal(size, e.ActualValue);
        Assert.Contains($"got {size}", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    public void Create_rejects_an_embedding_size_below_one(int embedding)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => BackboneFactory.Create(BackboneKind.Tiny, 32, embedding));
        Assert.Equal("embeddingSize", e.ParamName);
        Assert.Contains($"got {embedding}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructors_validate_like_the_factory()
    {
        Assert.Equal("inputSize", Assert.Throws<ArgumentOutOfRangeException>(() => new TinyFaceNet(40, 8)).ParamName);
        Assert.Equal("inputSize", Assert.Throws<ArgumentOutOfRangeException>(() => new MobileFaceNet(100)).ParamName);
        Assert.Equal("embeddingSize", Assert.Throws<ArgumentOutOfRangeException>(() => new IResNet(BackboneKind.IResNet18, 32, 0)).ParamName);
        var wrongKind = Assert.Throws<ArgumentOutOfRangeException>(() => new IResNet(BackboneKind.MobileFaceNet, 32, 8));
        Assert.Equal("kind", wrongKind.ParamName);
        Assert.Contains("MobileFaceNet", wrongKind.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Undefined_kinds_are_rejected()
    {
        Assert.Equal("kind", Assert.Throws<ArgumentOutOfRangeException>(() => BackboneFactory.NameOf((BackboneKind)42)).ParamName);
        Assert.Equal("kind", Assert.Throws<ArgumentOutOfRangeException>(() => BackboneFactory.Create((BackboneKind)42, 32, 8)).ParamName);
    }

    [Theory]
    [InlineData(BackboneKind.Tiny, typeof(TinyFaceNet))]
    [InlineData(BackboneKind.MobileFaceNet, typeof(MobileFaceNet))]
    [InlineData(BackboneKind.IResNet18, typeof(IResNet))]
    [InlineData(BackboneKind.IResNet34, typeof(IResNet))]
    public void Create_builds_the_requested_architecture(BackboneKind kind, Type expected)
    {
        using var scope = NewDisposeScope();
        using var net = BackboneFactory.Create(kind, 32, 24);
        Assert.IsType(expected, net);
        Assert.Equal(kind, net.Kind);
        Assert.Equal(32, net.InputSize);
        Assert.Equal(24, net.EmbeddingSize);
        Assert.Equal(2, net.FeatureMapSize);
    }

    [Fact]
    public void IResNet_block_counts_follow_the_spec()
    {
        Assert.Equal([2, 2, 2, 2], IResNet.BlockCounts(BackboneKind.IResNet18));
        Assert.Equal([3, 4, 6, 3], IResNet.BlockCounts(BackboneKind.IResNet34));
        Assert.Equal([3, 4, 14, 3], IResNet.BlockCounts(BackboneKind.IResNet50));
        Assert.Equal([3, 13, 30, 3], IResNet.BlockCounts(BackboneKind.IResNet100));
        using var scope = NewDisposeScope();
        using var net = new IResNet(BackboneKind.IResNet34, 32, 8);
        Assert.Equal([3, 4, 6, 3], net.Stages.Select(s => s.Count));
    }
}
