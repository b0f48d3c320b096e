using KappaFace.MLNet.Tests.Shared;
using Xunit;

namespace KappaFace.MLNet.Examples.Tests;

/// <summary>Locates the repository and the built examples, and runs them as processes.</summary>
internal static class ExampleRunner
{
    /// <summary>The repository root (the folder holding KappaFace.MLNet.sln).</summary>
    public static string Repository { get; } =
        SharedData.RepositoryRoot ?? throw new InvalidOperationException("KappaFace.MLNet.sln not found above " + AppContext.BaseDirectory);

    /// <summary>The output folder of a built example, for the same configuration as this test assembly.</summary>
    public static string OutputFolder(string example)
    {
        // This assembly sits in tests/Examples.Tests/bin/<Configuration>/<tfm>/<rid>/.
        var bin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string rid = bin.Name, tfm = bin.Parent!.Name, configuration = bin.Parent.Parent!.Name;
        return Path.Combine(Repository, "examples", example, "bin", configuration, tfm, rid);
    }

    public static (int ExitCode, string Output) Run(string example, IEnumerable<string> arguments, TimeSpan timeout)
    {
        string dll = Path.Combine(OutputFolder(example), example + ".dll");
        Assert.True(File.Exists(dll), $"{dll} is not built");
        ChildProcess.Result result;
        try
        {
            result = ChildProcess.Run(ChildProcess.DotnetHost(), ["exec", dll, .. arguments], timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{example} did not finish in {timeout}");
        }

        return (result.ExitCode, result.Stdout + result.Stderr);
    }
}
