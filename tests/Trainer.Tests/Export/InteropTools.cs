using KappaFace.MLNet.Tests.Shared;
using System.Diagnostics;

namespace KappaFace.MLNet.Trainer.Tests.Export;

/// <summary>
/// Finds and runs the third-party tools the interop tests compare against: Debian's python3 with
/// onnx (checker) and cv2 (OpenCV DNN), and node with onnxruntime-node installed by
/// <c>.ci/install-interop.sh</c> into <c>&lt;repo&gt;/.interop/node</c> (or <c>$KAPPAFACE_INTEROP_DIR/node</c>).
/// Tools are only found, never installed, so a machine without them skips with the reason.
/// </summary>
internal static class InteropTools
{
    public const string InstallHint = "run .ci/install-interop.sh to install it";

    private static readonly Lazy<string?> s_python = new(() => FindPython("onnx"));
    private static readonly Lazy<string?> s_pythonCv = new(() => FindPython("cv2"));
    private static readonly Lazy<string?> s_pythonTorch = new(() => FindPython("torch"));
    private static readonly Lazy<string?> s_nodeModules = new(FindNodeModules);

    /// <summary>A python3 that imports onnx, or null.</summary>
    public static string? PythonWithOnnx => s_python.Value;

    /// <summary>A python3 that imports cv2, or null.</summary>
    public static string? PythonWithOpenCv => s_pythonCv.Value;

    /// <summary>A python3 that imports torch (Debian's python3-torch, the PyTorch peer), or null.</summary>
    public static string? PythonWithTorch => s_pythonTorch.Value;

    /// <summary>The node_modules folder holding onnxruntime-node (with node on PATH), or null.</summary>
    public static string? NodeModules => s_nodeModules.Value;

    /// <summary>Runs a program and returns its exit code and output; kills it after <paramref name="timeout"/> (default 2 min).</summary>
    public static (int ExitCode, string Stdout, string Stderr) Run(
        string program, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment = null, TimeSpan? timeout = null)
    {
        var (exitCode, stdout, stderr) = ChildProcess.Run(program, arguments, timeout ?? TimeSpan.FromMinutes(2), environment);
        return (exitCode, stdout, stderr);
    }

    private static string? FindPython(string module)
    {
        // Debian's interpreter first: a python3 earlier on PATH (venv, pyenv) may lack the Debian modules.
        foreach (var candidate in new[] { "/usr/bin/python3", "python3" })
        {
            try
            {
                if (Run(candidate, ["-c", $"import {module}"], timeout: TimeSpan.FromSeconds(60)).ExitCode == 0)
                {
                    return candidate;
                }
            }
            catch (System.ComponentModel.Win32Exception)
            {
                // Not installed; try the next one.
            }
        }

        return null;
    }

    private static string? FindNodeModules()
    {
        string? interop = Environment.GetEnvironmentVariable("KAPPAFACE_INTEROP_DIR") is { Length: > 0 } overridden
            ? overridden
            : SharedData.RepositoryRoot is { } root ? Path.Combine(root, ".interop") : null;
        if (interop is null)
        {
            return null;
        }

        string modules = Path.Combine(interop, "node", "node_modules");
        if (!File.Exists(Path.Combine(modules, "onnxruntime-node", "package.json")))
        {
            return null;
        }

        try
        {
            return Run("node", ["--version"], timeout: TimeSpan.FromSeconds(30)).ExitCode == 0 ? modules : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
