using KappaFace.MLNet.Onnx.Runtime;

namespace KappaFace.MLNet.Onnx.Tests;

public class ProviderTests
{
    private static string? CudaMissing => OnnxSessionFactory.CudaUnavailableReason();

    [Fact]
    public void Cpu_works()
    {
        using var dir = new TempDir();
        using var embedder = FaceEmbedder.Open(TinyModel.Create().Save(dir), new FaceEmbedderOptions { ExecutionProvider = "CPU" });
        Assert.Equal("cpu", embedder.Provider.Used);
        Assert.Equal("cpu", embedder.Provider.Requested);
        Assert.Null(embedder.Provider.FallbackReason);
        Assert.False(embedder.Provider.IsCuda);
        Assert.Equal(1, embedder.Embed(TinyModel.Images(1, 1), 1).Count);
    }

    [SkippableFact]
    public void Cuda_without_fallback_says_what_is_missing()
    {
        Skip.If(CudaMissing is null, "CUDA is usable on this machine; the missing-CUDA error cannot be shown.");
        using var dir = new TempDir();
        var path = TinyModel.Create().Save(dir);
        var ex = Assert.Throws<ExecutionProviderException>(
            () => FaceEmbedder.Open(path, new FaceEmbedderOptions { ExecutionProvider = "cuda:0" }));
        Assert.Contains("CUDA 13", ex.Message, StringComparison.Ordinal);
        Assert.Contains("cuDNN 9", ex.Message, StringComparison.Ordinal);
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains("missing", ex.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Auto_falls_back_to_cpu_with_a_reason()
    {
        Skip.If(CudaMissing is null, "CUDA is usable on this machine; auto picks it and does not fall back.");
        using var dir = new TempDir();
        var logged = new List<string>();
        using var embedder = FaceEmbedder.Open(
            TinyModel.Create().Save(dir), new FaceEmbedderOptions { ExecutionProvider = "auto", Log = logged.Add });
        Assert.Equal("auto", embedder.Provider.Requested);
        Assert.Equal("cpu", embedder.Provider.Used);
        Assert.NotNull(embedder.Provider.FallbackReason);
        Assert.Contains("missing", embedder.Provider.FallbackReason, StringComparison.Ordinal);
        var line = Assert.Single(logged);
        Assert.Contains(embedder.Provider.FallbackReason!, line, StringComparison.Ordinal);
        Assert.Equal(1, embedder.Embed(TinyModel.Images(1, 2), 1).Count);
    }

    [Fact]
    public void Probe_names_each_missing_library()
    {
        Assert.Contains("CUDA 13", CudaRuntimeProbe.Requirement, StringComparison.Ordinal);
        Assert.Contains("cuDNN 9", CudaRuntimeProbe.Requirement, StringComparison.Ordinal);
        Assert.All(CudaRuntimeProbe.FindMissingLibraries(), m => Assert.Matches(@"^.+ \(\S+\)$", m));
    }

    [Theory]
    [InlineData("cpu", ExecutionProviderKind.Cpu, 0, "cpu")]
    [InlineData(" Auto ", ExecutionProviderKind.Auto, 0, "auto")]
    [InlineData("cuda", ExecutionProviderKind.Cuda, 0, "cuda")]
    [InlineData("CUDA:1", ExecutionProviderKind.Cuda, 1, "cuda:1")]
    [InlineData("auto:2", ExecutionProviderKind.Auto, 2, "auto:2")]
    [InlineData("auto:0", ExecutionProviderKind.Auto, 0, "auto")]
    public void Parses_provider_requests(string text, ExecutionProviderKind kind, int device, string canonical)
    {
        var spec = ExecutionProviderSpec.Parse(text);
        Assert.Equal(kind, spec.Kind);
        Assert.Equal(device, spec.DeviceId);
        Assert.Equal(canonical, spec.ToString());
    }

    [Theory]
    [InlineData("tpu")]
    [InlineData("cuda:")]
    [InlineData("cuda:-1")]
    [InlineData("auto:")]
    [InlineData("auto:x")]
    [InlineData("")]
    public void Rejects_unknown_provider_requests(string text)
    {
        var ex = Assert.Throws<ArgumentException>(() => ExecutionProviderSpec.Parse(text));
        Assert.Contains("cpu, cuda, cuda:ID", ex.Message, StringComparison.Ordinal);
    }
}
