using TorchSharp;
using Xunit;

namespace KappaFace.MLNet.Trainer.Tests;

/// <summary>
/// Guards the native fix in Directory.Build.targets: without the weak GLIBCXX_3.4.32 need,
/// libLibTorchSharp.so does not load on Debian 12 and every torch call fails.
/// </summary>
public class TorchInitialisationTests
{
    [Fact]
    public void Torch_initialises_and_computes()
    {
        using var a = torch.tensor(new float[] { 1, 2, 3 });
        using var b = (a * a).sum();
        Assert.Equal(14f, b.item<float>());
    }
}
