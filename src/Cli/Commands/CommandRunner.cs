using KappaFace.MLNet.Onnx;
using KappaFace.MLNet.Trainer.Export;
using KappaFace.MLNet.Trainer.Training;
using KappaFace.MLNet.Trainer.Training.Checkpoints;
using KappaFace.MLNet.Data;

namespace KappaFace.MLNet.Cli.Commands;

/// <summary>Runs a command body and turns the failures a user can cause into one-line reasons and exit codes.</summary>
internal static class CommandRunner
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int Diverged = 3;
    public const int Cancelled = 130;

    public static Task<int> RunAsync(Func<CancellationToken, int> body, CancellationToken cancellationToken) =>
        Task.Run(() =>
        {
            try
            {
                return body(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                Console.Error.WriteLine("kappaface: cancelled (a checkpoint was written if --checkpoint-dir was given).");
                return Cancelled;
            }
            catch (TrainingDivergedException e)
            {
                return Fail(e.Message, Diverged);
            }
            catch (Exception e) when (e is FaceDataException or CheckpointCorruptException or ArgumentException
                                          or OnnxModelException or ExecutionProviderException or OnnxExportException
                                          or InvalidOperationException or IOException or UnauthorizedAccessException)
            {
                return Fail(e.Message, Failed);
            }
        }, CancellationToken.None);

    private static int Fail(string message, int code)
    {
        Console.Error.WriteLine($"kappaface: error: {message.ReplaceLineEndings(" ")}");
        return code;
    }
}
