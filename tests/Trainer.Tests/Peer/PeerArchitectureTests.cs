using KappaFace.MLNet.Tests.Shared;
using System.Globalization;
using System.Text.Json;
using KappaFace.MLNet.Trainer.Backbones;
using KappaFace.MLNet.Trainer.Tests.Export;
using Xunit;
using static TorchSharp.torch;

namespace KappaFace.MLNet.Trainer.Tests.Peer;

/// <summary>
/// The PyTorch peer of the training benchmark (benchmarks/peer/models.py) must be the same network as ours,
/// or the speed comparison means nothing: same parameter names and shapes (hence counts, in total and per
/// top-level block) and the same output shape. The Python side reports itself through describe.py; the test
/// skips with the reason when Debian's python3-torch is not installed (.ci/install-interop.sh installs it).
/// </summary>
public class PeerArchitectureTests
{

    [SkippableTheory]
    [InlineData("mobilefacenet", 112, 128)]
    [InlineData("mobilefacenet", 112, 512)]
    [InlineData("iresnet50", 112, 512)]
    public void Peer_network_has_our_parameters_and_output_shape(string backbone, int size, int embedding)
    {
        string? script = DescribeScript();
        Skip.If(script is null, "benchmarks/peer/describe.py not found above the test binaries.");
        Skip.If(InteropTools.PythonWithTorch is null, "python3 with torch is not installed (Debian package python3-torch); " + InteropTools.InstallHint);

        string spec = string.Join(':', backbone, Num(size), Num(embedding));
        var (exitCode, stdout, stderr) = InteropTools.Run(InteropTools.PythonWithTorch!, [script!, spec], timeout: TimeSpan.FromMinutes(3));
        Assert.True(exitCode == 0, $"describe.py {spec} failed with exit code {exitCode}: {stderr}");
        using var json = JsonDocument.Parse(stdout);
        JsonElement peer = json.RootElement[0];

        using var scope = NewDisposeScope();
        using var ours = BackboneFactory.Create(BackboneFactory.Parse(backbone), size, embedding);
        var ourShapes = ours.named_parameters().ToDictionary(p => p.name, p => p.parameter.shape);
        var peerShapes = peer.GetProperty("shapes").EnumerateObject()
            .ToDictionary(p => p.Name, p => p.Value.EnumerateArray().Select(d => d.GetInt64()).ToArray());

        Assert.Equal(ourShapes.Keys.Order(StringComparer.Ordinal), peerShapes.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, shape) in ourShapes)
        {
            Assert.True(shape.SequenceEqual(peerShapes[name]),
                $"{name}: ours [{string.Join(", ", shape)}], peer [{string.Join(", ", peerShapes[name])}]");
        }

        // Counts are re-derived from our modules, not from the shapes compared above, so a module the shape
        // walk missed (or counted twice) still shows up.
        Assert.Equal(ours.parameters().Sum(p => p.numel()), peer.GetProperty("parameters").GetInt64());
        Assert.Equal(ours.parameters().Where(p => p.requires_grad).Sum(p => p.numel()), peer.GetProperty("trainableParameters").GetInt64());
        var ourBlocks = ours.named_children().ToDictionary(c => c.name, c => c.module.parameters().Sum(p => p.numel()));
        foreach (var block in peer.GetProperty("blocks").EnumerateObject())
        {
            Assert.True(ourBlocks.TryGetValue(block.Name, out long count), $"The peer has a block '{block.Name}' that ours lacks.");
            Assert.True(count == block.Value.GetInt64(), $"Block {block.Name}: ours {count}, peer {block.Value.GetInt64()} parameters.");
        }

        ours.eval();
        using var output = ours.call(zeros(2, 3, size, size));
        Assert.Equal(peer.GetProperty("outputShape").EnumerateArray().Select(d => d.GetInt64()), output.shape);
    }

    private static string? DescribeScript()
    {
        string? root = SharedData.RepositoryRoot;
        string? path = root is null ? null : Path.Combine(root, "benchmarks", "peer", "describe.py");
        return path is not null && File.Exists(path) ? path : null;
    }

    private static string Num(int value) => value.ToString(CultureInfo.InvariantCulture);
}
