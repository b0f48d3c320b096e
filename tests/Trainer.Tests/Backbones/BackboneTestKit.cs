using TorchSharp;
using static TorchSharp.torch;

namespace KappaFace.MLNet.Trainer.Tests.Backbones;

/// <summary>Small helpers shared by the backbone tests.</summary>
internal static class BackboneTestKit
{
    /// <summary>Total number of parameter elements, frozen ones included (as PyTorch's sum of numel).</summary>
    public static long CountParameters(nn.Module module) => module.parameters().Sum(p => p.numel());

    /// <summary>Number of parameter elements an optimiser would update.</summary>
    public static long CountTrainable(nn.Module module)
        => module.parameters().Where(p => p.requires_grad).Sum(p => p.numel());

    /// <summary>Detached copies of every parameter, keyed by name.</summary>
    public static Dictionary<string, Tensor> Snapshot(nn.Module module)
        => module.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());

    /// <summary>Whether two tensors have the same shape and exactly the same values.</summary>
    public static bool Identical(Tensor a, Tensor b)
        => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    /// <summary>A batch of inputs in the backbone's value range (about [-1, 1]).</summary>
    public static Tensor RandomBatch(int batch, int size) => rand(batch, 3, size, size) * 2 - 1;
}
