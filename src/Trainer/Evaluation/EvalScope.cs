using TorchSharp;

namespace KappaFace.MLNet.Trainer.Evaluation;

/// <summary>
/// Puts a module in eval mode and, when disposed, gives every submodule back the mode it had, not the
/// root's: <c>train(true)</c> would also wake batch norms that fine-tuning keeps frozen in eval mode.
/// </summary>
internal readonly struct EvalScope : IDisposable
{
    private readonly (torch.nn.Module Module, bool Training)[] _modes;

    private EvalScope((torch.nn.Module, bool)[] modes) => _modes = modes;

    /// <summary>Records the mode of <paramref name="root"/> and of every submodule, then switches all to eval.</summary>
    public static EvalScope Enter(torch.nn.Module root)
    {
        ArgumentNullException.ThrowIfNull(root);
        // Parents before children, so restoring in this order leaves each module with its own mode.
        var modes = root.modules().Prepend(root).Select(m => (m, m.training)).ToArray();
        root.eval();
        return new EvalScope(modes);
    }

    public void Dispose()
    {
        foreach (var (module, training) in _modes ?? [])
        {
            module.train(training);
        }
    }
}
