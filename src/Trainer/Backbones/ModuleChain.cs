using TorchSharp;
using static TorchSharp.torch;

namespace KappaFace.MLNet.Trainer.Backbones;

/// <summary>Runs a tensor through modules in order, like <c>Sequential</c> but over named fields.</summary>
internal static class ModuleChain
{
    /// <summary>
    /// Feeds <paramref name="input"/> through <paramref name="modules"/> and returns the last result.
    /// Each intermediate handle is disposed as soon as the next result exists, so a forward pass does
    /// not wait for the garbage collector to free activations; autograd keeps its own references to
    /// whatever it saved, so gradients are unaffected. The caller's input is never disposed.
    /// </summary>
    public static Tensor Run(Tensor input, params ReadOnlySpan<nn.Module<Tensor, Tensor>> modules)
    {
        var current = input;
        foreach (var module in modules)
        {
            var next = module.call(current);
            // A module may hand back its own input (an identity); that handle must stay alive.
            if (!ReferenceEquals(current, input) && !ReferenceEquals(next, current))
            {
                current.Dispose();
            }

            current = next;
        }

        return current;
    }
}
