using KappaFace.MLNet.Tests.Shared;
using KappaFace.MLNet.Trainer.Backbones;
using KappaFace.MLNet.Trainer.Export;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace KappaFace.MLNet.Trainer.Tests.Export;

/// <summary>Layers the exporter cannot translate fail the export with the layer's path and type, and nothing is written.</summary>
public class UnsupportedLayerTests
{
    [Fact]
    public void Unknown_layer_inside_a_backbone_is_named_by_path_and_type()
    {
        torch.manual_seed(1);
        using var tiny = new TinyFaceNet(32, 8);
        // An extra layer in a Sequential still runs in TorchSharp, so only the exporter can object.
        tiny.Body.append("4", nn.MaxPool2d(1));

        using var folder = new TempFolder();
        string path = Path.Combine(folder.Path, "model.onnx");
        var error = Assert.Throws<OnnxExportException>(() => OnnxExporter.Export(tiny, path));

        Assert.Equal("body.4", error.LayerPath);
        Assert.Equal("MaxPool2d", error.LayerType);
        Assert.Contains("'body.4' (MaxPool2d)", error.Message);
        Assert.False(File.Exists(path));
        Assert.Empty(Directory.GetFiles(folder.Path));
    }

    [Fact]
    public void Unsupported_setting_of_a_known_layer_is_named()
    {
        torch.manual_seed(1);
        using var tiny = new TinyFaceNet(32, 8);
        tiny.Body.append("4", nn.Conv2d(64, 64, 3, padding: 1, padding_mode: PaddingModes.Reflect));

        var error = Assert.Throws<OnnxExportException>(() => OnnxExporter.ToModel(tiny, ModelCardAssembler.ForBackbone(tiny)));
        Assert.Equal("body.4", error.LayerPath);
        Assert.Contains("Reflect", error.Message);
    }

    [Fact]
    public void Unknown_backbone_class_is_refused_as_a_whole()
    {
        using var custom = new CustomBackbone();
        var error = Assert.Throws<OnnxExportException>(() => OnnxExporter.ToModel(custom, ModelCardAssembler.ForBackbone(custom)));
        Assert.Equal(string.Empty, error.LayerPath);
        Assert.Equal(nameof(CustomBackbone), error.LayerType);
        Assert.Contains("'<backbone>' (CustomBackbone)", error.Message);
    }

    [Fact]
    public void Card_that_disagrees_with_the_backbone_is_refused()
    {
        using var tiny = new TinyFaceNet(32, 8);
        var card = ModelCardAssembler.ForBackbone(tiny) with { EmbeddingSize = 9 };
        var error = Assert.Throws<ArgumentException>(() => OnnxExporter.ToModel(tiny, card));
        Assert.Contains("embedding 9", error.Message);
    }

    /// <summary>A backbone class the exporter has no forward order for.</summary>
    private sealed class CustomBackbone : FaceBackbone
    {
        private readonly TorchSharp.Modules.Linear fc = nn.Linear(3 * 16 * 16, 4);

        public CustomBackbone()
            : base("custom", BackboneKind.Tiny, 16, 4)
        {
            RegisterComponents();
        }

        public override Tensor forward(Tensor input) => fc.call(input.flatten(1));
    }
}
