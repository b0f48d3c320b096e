using KappaFace.MLNet.Onnx.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace KappaFace.MLNet.Trainer.Platform;

/// <summary>Turns a device request (<c>auto</c>, <c>cpu</c>, <c>cuda</c>, <c>cuda:N</c>) into a TorchSharp device.</summary>
public static class TorchDeviceSelector
{
    /// <summary>
    /// Resolves <paramref name="request"/>. <c>auto</c> picks CUDA device 0 when TorchSharp sees one, else the CPU.
    /// </summary>
    /// <exception cref="ArgumentException">The request is not one of the accepted forms.</exception>
    /// <exception cref="InvalidOperationException">CUDA was asked for explicitly but is not usable; the message says why.</exception>
    public static Device Resolve(string request, bool cudaAvailable)
    {
        ArgumentNullException.ThrowIfNull(request);
        // One grammar for both runtimes: the ONNX side's spec parses the request.
        ExecutionProviderSpec spec = ExecutionProviderSpec.Parse(request);
        switch (spec.Kind)
        {
            case ExecutionProviderKind.Cpu:
                return CPU;
            case ExecutionProviderKind.Auto:
                return cudaAvailable ? new Device(DeviceType.CUDA, 0) : CPU;
            default:
                if (!cudaAvailable)
                {
                    throw new InvalidOperationException(
                        $"Device '{request}' was requested but TorchSharp sees no CUDA device. This build uses the CPU libtorch " +
                        "backend; build with -p:TorchBackend=cuda (TorchSharp-cuda-linux, CUDA 12 drivers) on a machine with an " +
                        "NVIDIA GPU, or use --device auto to fall back to the CPU.");
                }

                return new Device(DeviceType.CUDA, spec.DeviceId);
        }
    }

    /// <summary>Resolves <paramref name="request"/> against what this process's TorchSharp reports.</summary>
    public static Device Resolve(string request) => Resolve(request, IsCudaAvailable());

    /// <summary>Whether TorchSharp can use a CUDA device (false when only the CPU backend is loaded).</summary>
    public static bool IsCudaAvailable()
    {
        try
        {
            return torch.cuda.is_available();
        }
        catch (Exception e) when (e is DllNotFoundException or NotSupportedException or InvalidOperationException)
        {
            return false;
        }
    }
}
