using KappaFace.MLNet.Trainer.Platform;
using TorchSharp;
using Xunit;

namespace KappaFace.MLNet.Trainer.Tests.Training;

public class PlatformTests
{
    [Fact]
    public void Cpu_and_auto_without_cuda_resolve_to_the_cpu()
    {
        Assert.Equal(DeviceType.CPU, TorchDeviceSelector.Resolve("cpu", cudaAvailable: false).type);
        Assert.Equal(DeviceType.CPU, TorchDeviceSelector.Resolve("AUTO", cudaAvailable: false).type);
        Assert.Equal(DeviceType.CUDA, TorchDeviceSelector.Resolve("auto", cudaAvailable: true).type);
        Assert.Equal(1, TorchDeviceSelector.Resolve("cuda:1", cudaAvailable: true).index);
    }

    [Fact]
    public void Asking_for_cuda_without_it_says_what_is_missing()
    {
        var e = Assert.Throws<InvalidOperationException>(() => TorchDeviceSelector.Resolve("cuda", cudaAvailable: false));
        Assert.Contains("TorchBackend=cuda", e.Message);
        Assert.Contains("--device auto", e.Message);
    }

    [Theory]
    [InlineData("gpu")]
    [InlineData("cuda:x")]
    [InlineData("cuda:-1")]
    public void Bad_device_names_are_rejected_by_name(string name)
    {
        var e = Assert.Throws<ArgumentException>(() => TorchDeviceSelector.Resolve(name, cudaAvailable: true));
        Assert.Contains(name, e.Message);
    }

    [Fact]
    public void This_cpu_build_sees_no_cuda()
    {
        Assert.False(TorchDeviceSelector.IsCudaAvailable());
    }

    [SkippableFact]
    public void Allocator_tuning_applies_on_linux_glibc()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "glibc tuning is Linux-only");
        string? reason = GlibcAllocatorTuning.TryApply();
        Assert.Null(reason);
        Assert.True(GlibcAllocatorTuning.IsApplied);
    }
}
