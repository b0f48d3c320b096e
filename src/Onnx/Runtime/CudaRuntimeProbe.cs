using System.Runtime.InteropServices;

namespace KappaFace.MLNet.Onnx.Runtime;

/// <summary>
/// Checks, without ONNX Runtime, whether the native libraries that ONNX Runtime 1.31's CUDA
/// execution provider loads can be found: the NVIDIA driver, the CUDA 13 runtime, cuBLAS/cuBLASLt,
/// cuRAND and cuDNN 9. Probing first gives a precise message and keeps ONNX Runtime from logging load
/// errors to stderr when CUDA is simply absent.
/// </summary>
public static class CudaRuntimeProbe
{
    /// <summary>What the CUDA provider of the ONNX Runtime version in use requires.</summary>
    public const string Requirement =
        "ONNX Runtime 1.31's CUDA execution provider needs an NVIDIA GPU driver, CUDA 13 " +
        "(cudart, cuBLAS, cuBLASLt, cuRAND) and cuDNN 9 on the library search path (e.g. LD_LIBRARY_PATH)";

    private static readonly (string Library, string What)[] LinuxLibraries =
    [
        ("libcuda.so.1", "NVIDIA driver"),
        ("libcudart.so.13", "CUDA 13 runtime"),
        ("libcublas.so.13", "CUDA 13 cuBLAS"),
        ("libcublasLt.so.13", "CUDA 13 cuBLASLt"),
        ("libcurand.so.10", "CUDA 13 cuRAND"),
        ("libcudnn.so.9", "cuDNN 9"),
    ];

    private static readonly (string Library, string What)[] WindowsLibraries =
    [
        ("nvcuda.dll", "NVIDIA driver"),
        ("cudart64_13.dll", "CUDA 13 runtime"),
        ("cublas64_13.dll", "CUDA 13 cuBLAS"),
        ("cublasLt64_13.dll", "CUDA 13 cuBLASLt"),
        ("curand64_10.dll", "CUDA 13 cuRAND"),
        ("cudnn64_9.dll", "cuDNN 9"),
    ];

    private static readonly Lazy<IReadOnlyList<string>> Missing = new(Probe);

    /// <summary>
    /// The libraries that cannot be loaded, each as "what (file name)", e.g.
    /// <c>"cuDNN 9 (libcudnn.so.9)"</c>; empty when all load. The result is computed once per process.
    /// </summary>
    /// <returns>The missing libraries.</returns>
    public static IReadOnlyList<string> FindMissingLibraries() => Missing.Value;

    private static List<string> Probe()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsWindows())
        {
            return ["CUDA (not available on this operating system)"];
        }

        var libraries = OperatingSystem.IsWindows() ? WindowsLibraries : LinuxLibraries;
        var missing = new List<string>();
        foreach (var (library, what) in libraries)
        {
            if (NativeLibrary.TryLoad(library, out var handle))
            {
                NativeLibrary.Free(handle);
            }
            else
            {
                missing.Add($"{what} ({library})");
            }
        }

        return missing;
    }
}
