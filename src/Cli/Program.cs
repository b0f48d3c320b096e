using System.CommandLine;
using KappaFace.MLNet.Cli.Commands;

// Ctrl+C cancels the running command, which finishes its step and writes a checkpoint: give it
// time (a step of a large backbone on a CPU takes tens of seconds) before the process is ended.
var invocation = new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromMinutes(10) };
return await CliRoot.Create().Parse(args).InvokeAsync(invocation).ConfigureAwait(false);

/// <summary>The <c>kappaface</c> command tree, built in one place so tests can run it in-process.</summary>
internal static class CliRoot
{
    public static RootCommand Create() => new("kappaface: train face-embedding models with the KappaFace loss and use them.")
    {
        TrainCommand.Create(),
        DemoCommand.Create(),
        EmbedCommand.Create(),
        InfoCommand.Create(),
        VerifyCommand.Create(),
        EvaluateCommand.Create(),
        CalibrateCommand.Create(),
        BenchmarkCommand.Create(),
        QuantizeCommand.Create(),
        ImportCommand.Create(),
        DetectCommand.Create(),
        AlignCommand.Create(),
    };
}
