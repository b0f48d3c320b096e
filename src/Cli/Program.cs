using System.CommandLine;
using KappaFace.MLNet.Cli.Commands;

return await CliRoot.Create().Parse(args).InvokeAsync().ConfigureAwait(false);

/// <summary>The <c>kappaface</c> command tree, built in one place so tests can run it in-process.</summary>
internal static class CliRoot
{
    public static RootCommand Create() => new("kappaface: train face-embedding models with the KappaFace loss and use them.")
    {
        TrainCommand.Create(),
        DemoCommand.Create(),
        EmbedCommand.Create(),
        InfoCommand.Create(),
    };
}
