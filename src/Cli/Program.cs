using System.CommandLine;
using KappaFace.MLNet.Cli.Commands;

var root = new RootCommand("kappaface: train face-embedding models with the KappaFace loss and use them.")
{
    TrainCommand.Create(),
    DemoCommand.Create(),
};
return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
