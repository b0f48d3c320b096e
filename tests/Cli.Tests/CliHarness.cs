using KappaFace.MLNet.Tests.Shared;
using KappaFace.MLNet.Trainer.Backbones;
using KappaFace.MLNet.Trainer.Export;
using SkiaSharp;
using TorchSharp;

namespace KappaFace.MLNet.Cli.Tests;

/// <summary>Runs the <c>kappaface</c> command tree in-process with standard output and error captured.</summary>
internal static class CliHarness
{
    public static (int ExitCode, string Stdout, string Stderr) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var (oldOut, oldError) = (Console.Out, Console.Error);
        Console.SetOut(stdout);
        Console.SetError(stderr);
        try
        {
            int code = CliRoot.Create().Parse(args).InvokeAsync().GetAwaiter().GetResult();
            return (code, stdout.ToString(), stderr.ToString());
        }
        finally
        {
            Console.SetOut(oldOut);
            Console.SetError(oldError);
        }
    }
}

/// <summary>A temp folder with an exported tiny model (32x32 input, D = 16) and a few face-like test images.</summary>
public sealed class CliFixture : IDisposable
{
    public const int InputSize = 32;
    public const int EmbeddingSize = 16;

    public CliFixture()
    {
        torch.manual_seed(7);
        using var backbone = new TinyFaceNet(InputSize, EmbeddingSize);
        backbone.eval();
        ModelPath = Path.Combine(Folder.Path, "tiny.onnx");
        OnnxExporter.Export(backbone, ModelCardAssembler.ForBackbone(backbone), ModelPath);

        // Already at the input size (copied unchanged), a larger non-square one (centre-cropped and
        // resized) and a JPEG, so decoding follows the loader's rules for each case.
        // Images live in an identity folder (faces/person) so the folder loader can read them too.
        ImageA = Folder.Image("faces/person/a.png", InputSize, InputSize, (x, y) => new SKColor((byte)(x * 8), (byte)(y * 8), 90));
        ImageB = Folder.Image("faces/person/b.png", 80, 48, (x, y) => new SKColor((byte)(255 - (x * 3)), 40, (byte)(y * 5)));
        ImageC = Folder.Image("faces/person/c.jpg", 40, 40, (x, y) => new SKColor((byte)((x + y) * 3), (byte)(x * 6), (byte)(y * 6)), SKEncodedImageFormat.Jpeg);
        NotAnImage = Folder.Bytes("broken.png", [0x89, 0x50, 0x4E, 0x47, 1, 2, 3]);
    }

    internal TempFolder Folder { get; } = new();

    public string ModelPath { get; }

    public string ImageA { get; }

    public string ImageB { get; }

    public string ImageC { get; }

    public string NotAnImage { get; }

    public string File(string name) => Path.Combine(Folder.Path, name);

    public void Dispose() => Folder.Dispose();
}
