using System.Diagnostics;
using System.Text;
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

/// <summary>
/// The built <c>kappaface</c> tool run as a separate OS process (<c>dotnet exec kappaface.dll</c> from this
/// test's output folder, where the project reference puts it), for tests that must kill it for real.
/// </summary>
internal sealed class CliProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();

    private CliProcess(Process process)
    {
        _process = process;
    }

    /// <summary>The tool's entry assembly next to this test assembly.</summary>
    public static string ToolPath { get; } = Path.Combine(AppContext.BaseDirectory, "kappaface.dll");

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Standard error so far (complete once the process has exited and been waited for).</summary>
    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    public string Stdout
    {
        get
        {
            lock (_stdout)
            {
                return _stdout.ToString();
            }
        }
    }

    public static CliProcess Start(params string[] args)
    {
        Assert.True(File.Exists(ToolPath), $"{ToolPath} is not built");
        var start = ChildProcess.StartInfo(ChildProcess.DotnetHost(), ["exec", ToolPath, .. args]);
        var process = new Process { StartInfo = start };
        var cli = new CliProcess(process);
        process.OutputDataReceived += (_, e) => Append(cli._stdout, e.Data);
        process.ErrorDataReceived += (_, e) => Append(cli._stderr, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return cli;
    }

    /// <summary>SIGKILL (what <c>kill -9</c> sends): no handler, finaliser or flush runs in the process.</summary>
    public void KillHard()
    {
        try
        {
            _process.Kill(entireProcessTree: false);
        }
        catch (InvalidOperationException)
        {
            // It exited on its own just before.
        }
        _process.WaitForExit();
    }

    /// <summary>Waits for the process (and its output); kills it and fails the test after <paramref name="timeout"/>.</summary>
    public int WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            KillHard();
            Assert.Fail($"kappaface did not finish in {timeout}; stderr:\n{Stderr}");
        }
        _process.WaitForExit();
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            KillHard();
        }
        _process.Dispose();
    }

    private static void Append(StringBuilder target, string? line)
    {
        if (line is not null)
        {
            lock (target)
            {
                target.AppendLine(line);
            }
        }
    }
}
