using System.CommandLine;
using KappaFace.MLNet.Cli.Commands;

var root = new RootCommand("kappaface: train face-embedding models with the KappaFace loss and use them.")
{
    TrainCommand.Create(),
    DemoCommand.Create(),
};
// Ctrl+C cancels the running command, which finishes its step and writes a checkpoint: give it
// time (a step of a large backbone on a CPU takes tens of seconds) before the process is ended.
var invocation = new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromMinutes(10) };
return await root.Parse(args).InvokeAsync(invocation).ConfigureAwait(false);
