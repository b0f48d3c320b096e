using System.Text.Json;
using KappaFace.MLNet.Tests.Shared;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.CSharp;
using Microsoft.DotNet.Interactive.Events;
using Xunit;
using Xunit.Abstractions;

namespace KappaFace.MLNet.Examples.Tests;

/// <summary>
/// Executes examples/notebooks/KappaFace.ipynb cell by cell in the Polyglot Notebooks C# kernel
/// (Microsoft.DotNet.Interactive.CSharp, in process), with small settings, and checks each cell succeeds.
/// </summary>
public class NotebookTests(ITestOutputHelper output)
{
    /// <summary>With no data folder set, the notebook generates synthetic faces: runs on a fresh clone.</summary>
    [Fact]
    public Task Notebook_runs_cell_by_cell_on_synthetic_faces() => RunNotebook(dataFolder: null);

    [SkippableFact]
    public Task Notebook_runs_cell_by_cell_on_real_faces()
    {
        Skip.If(SharedData.DataSet("celeba-dev") is null, SharedData.MissingReason("celeba-dev"));
        return RunNotebook(SharedData.DataSet("celeba-dev"));
    }

    private async Task RunNotebook(string? dataFolder)
    {
        string notebookDir = Path.Combine(ExampleRunner.Repository, "examples", "notebooks");
        Assert.True(File.Exists(Path.Combine(ExampleRunner.OutputFolder("QuickStart"), "KappaFace.MLNet.Trainer.dll")), "examples/QuickStart is not built");
        string[] cells = CodeCells(Path.Combine(notebookDir, "KappaFace.ipynb"));
        Assert.True(cells.Length >= 6, $"only {cells.Length} code cells");

        string outputFolder = Path.Combine(Path.GetTempPath(), "kappaface-notebook");
        if (Directory.Exists(outputFolder))
        {
            Directory.Delete(outputFolder, recursive: true);
        }

        // The notebook's #r paths are relative to its folder, as when a notebook is opened in VS Code.
        Directory.SetCurrentDirectory(notebookDir);
        Environment.SetEnvironmentVariable("KAPPAFACE_NOTEBOOK_DATA", dataFolder);
        Environment.SetEnvironmentVariable("KAPPAFACE_NOTEBOOK_EPOCHS", "3");
        Environment.SetEnvironmentVariable("KAPPAFACE_NOTEBOOK_SIZE", "32");
        using var kernel = new CSharpKernel();
        var printed = new List<string>();
        for (int i = 0; i < cells.Length; i++)
        {
            KernelCommandResult result = await kernel.SendAsync(new SubmitCode(cells[i]));
            foreach (KernelEvent e in result.Events)
            {
                switch (e)
                {
                    case StandardOutputValueProduced o:
                        printed.AddRange(o.FormattedValues.Select(v => v.Value));
                        break;
                    case ReturnValueProduced r:
                        printed.Add($"[return] {r.Value?.ToString()?[..Math.Min(80, r.Value.ToString()!.Length)]}");
                        break;
                }
            }

            string failure = string.Join("\n", result.Events.OfType<CommandFailed>().Select(f => f.Message)
                .Concat(result.Events.OfType<DiagnosticsProduced>().SelectMany(d => d.Diagnostics).Where(d => d.Severity.ToString() == "Error").Select(d => d.ToString())));
            output.WriteLine($"--- cell {i + 1}: {(failure.Length == 0 ? "ok" : "FAILED")}");
            Assert.True(failure.Length == 0, $"cell {i + 1} failed:\n{failure}\n---\n{cells[i]}");
        }

        string all = string.Join("", printed);
        output.WriteLine(all);
        Assert.Contains("Trained on cpu", all, StringComparison.Ordinal);
        Assert.Contains("TAR@FAR=0.1:", all, StringComparison.Ordinal);
        Assert.Contains("[return] <svg", all, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(outputFolder, "model.zip")));
        Assert.True(File.Exists(Path.Combine(outputFolder, "face-calibrated.onnx")));
        Assert.True(File.Exists(Path.Combine(outputFolder, "roc.svg")));
    }

    [Fact]
    public void Notebook_is_a_CSharp_polyglot_notebook()
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(ExampleRunner.Repository, "examples", "notebooks", "KappaFace.ipynb")));
        JsonElement root = doc.RootElement;
        Assert.Equal(4, root.GetProperty("nbformat").GetInt32());
        Assert.Equal(".net-csharp", root.GetProperty("metadata").GetProperty("kernelspec").GetProperty("name").GetString());
        foreach (JsonElement cell in root.GetProperty("cells").EnumerateArray().Where(c => c.GetProperty("cell_type").GetString() == "code"))
        {
            Assert.Equal("csharp", cell.GetProperty("metadata").GetProperty("polyglot_notebook").GetProperty("kernelName").GetString());
        }
    }

    private static string[] CodeCells(string path)
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(path));
        return [.. doc.RootElement.GetProperty("cells").EnumerateArray()
            .Where(c => c.GetProperty("cell_type").GetString() == "code")
            .Select(c => string.Concat(c.GetProperty("source").EnumerateArray().Select(s => s.GetString())))];
    }
}
