using KappaFace.MLNet.Onnx;
using KappaFace.MLNet.Trainer.Backbones;
using KappaFace.MLNet.Trainer.Training;
using KappaFace.MLNet.Data;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Xunit;

namespace KappaFace.MLNet.Trainer.Tests.Export;

/// <summary>Embeddings and pre-normalisation norms of a batch, row-major.</summary>
internal sealed record EmbeddingBatch(int Count, int Dimension, float[] Embeddings, float[] Norms)
{
    public static EmbeddingBatch From(FaceEmbeddings e) => new(e.Count, e.Dimension, e.Vectors.ToArray(), e.Norms.ToArray());

    /// <summary>The rows <paramref name="start"/>..start+count-1.</summary>
    public EmbeddingBatch Slice(int start, int count) =>
        new(count, Dimension, Embeddings.AsSpan(start * Dimension, count * Dimension).ToArray(), Norms.AsSpan(start, count).ToArray());

    /// <summary>Largest absolute difference of the embeddings and of the norms.</summary>
    public (double Embedding, double Norm) MaxAbsDiff(EmbeddingBatch other)
    {
        Assert.Equal(Count, other.Count);
        Assert.Equal(Dimension, other.Dimension);
        return (MaxAbs(Embeddings, other.Embeddings), MaxAbs(Norms, other.Norms));
    }

    /// <summary>Largest absolute difference of two equally long arrays (NaN counts as infinitely far).</summary>
    public static double MaxAbs(float[] a, float[] b)
    {
        if (a.Length != b.Length)
        {
            return double.PositiveInfinity;
        }

        double max = 0;
        for (int i = 0; i < a.Length; i++)
        {
            // NaN must fail a tolerance check, so it counts as infinitely far.
            double d = Math.Abs((double)a[i] - b[i]);
            max = double.IsNaN(d) ? double.PositiveInfinity : Math.Max(max, d);
        }

        return max;
    }
}

/// <summary>Builds backbones with non-trivial batch norms, test images and the TorchSharp reference outputs.</summary>
internal static class ExportTestKit
{
    /// <summary>The parity bound of docs/onnx-model.md: max abs difference of ORT vs TorchSharp eval mode.</summary>
    public const double Tolerance = 1e-4;

    /// <summary>
    /// A seeded backbone whose batch norms are far from their initial state (scale 1, shift 0, mean 0,
    /// var 1), so a folding bug changes the outputs: random affine parameters and PReLU slopes, and
    /// running statistics set to the real statistics of one train-mode batch (momentum 1 for that
    /// forward). Real statistics keep every layer's activations near unit scale, so the network stays
    /// sensitive to its input instead of saturating. Returned in eval mode.
    /// </summary>
    /// <param name="kind">The architecture.</param>
    /// <param name="inputSize">Input side.</param>
    /// <param name="embeddingSize">Embedding size D.</param>
    /// <param name="seed">Seed of weights and perturbation.</param>
    public static FaceBackbone Backbone(BackboneKind kind, int inputSize, int embeddingSize, int seed = 5)
    {
        torch.manual_seed(seed);
        var backbone = BackboneFactory.Create(kind, inputSize, embeddingSize);
        Perturb(backbone);
        var norms = backbone.modules().OfType<NormBase>().ToArray();
        foreach (var norm in norms)
        {
            norm.momentum = 1.0;
        }

        backbone.train();
        using (torch.no_grad())
        using (var scope = torch.NewDisposeScope())
        {
            backbone.call(torch.rand(16, 3, inputSize, inputSize) * 2 - 1);
        }

        foreach (var norm in norms)
        {
            norm.momentum = 0.1;
        }

        backbone.eval();
        return backbone;
    }

    /// <summary>
    /// Randomises every batch-norm affine parameter (frozen scales excepted) and PReLU slope of
    /// <paramref name="module"/>. Slopes span [-0.25, 1.25], beyond the usual (0, 0.5), so negative and
    /// steeper-than-identity slopes are exported too.
    /// </summary>
    public static void Perturb(nn.Module module)
    {
        using var noGrad = torch.no_grad();
        foreach (var child in module.modules())
        {
            switch (child)
            {
                case NormBase norm:
                    // The embedding head's BatchNorm1d scale is a fixed 1 by design; leave it so.
                    if (norm.weight is { requires_grad: true } weight)
                    {
                        weight.uniform_(0.5, 1.5);
                    }

                    norm.bias?.normal_(0, 0.2);
                    break;
                case PReLU prelu:
                    prelu.weight!.uniform_(-0.25, 1.25);
                    break;
            }
        }
    }

    /// <summary>Smallest cosine distance between two different rows: near 0 means the network ignores its input.</summary>
    public static double MinPairwiseDistance(EmbeddingBatch batch)
    {
        double min = double.MaxValue;
        for (int i = 0; i < batch.Count; i++)
        {
            for (int j = i + 1; j < batch.Count; j++)
            {
                double dot = 0;
                for (int k = 0; k < batch.Dimension; k++)
                {
                    dot += (double)batch.Embeddings[(i * batch.Dimension) + k] * batch.Embeddings[(j * batch.Dimension) + k];
                }

                min = Math.Min(min, 1 - dot);
            }
        }

        return min;
    }

    /// <summary>Deterministic random images as bytes (count x 3 x S x S, RGB planes, 0..255).</summary>
    public static byte[] Images(int count, int size, int seed)
    {
        var rng = new Random(seed);
        var bytes = new byte[count * 3 * size * size];
        rng.NextBytes(bytes);
        return bytes;
    }

    /// <summary>The same images as the float32 values 0..255 the ONNX input takes.</summary>
    public static float[] AsFloats(byte[] images) => images.Select(b => (float)b).ToArray();

    /// <summary>
    /// The TorchSharp eval-mode reference: the training pipeline's own input assembly
    /// (<see cref="BatchAssembler"/>), a forward pass, then the L2 norm and the normalised embedding.
    /// </summary>
    public static EmbeddingBatch TorchReference(FaceBackbone backbone, byte[] images, int count)
    {
        int size = backbone.InputSize;
        var set = FaceImageSet.FromPixels(size, images, Enumerable.Repeat(0, count).ToArray(), ["x"]);
        float[] buffer = BatchAssembler.Assemble(set, Enumerable.Range(0, count).ToArray(), isFlipped: null);
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        bool wasTraining = backbone.training;
        backbone.eval();
        try
        {
            Tensor input = BatchAssembler.ToTensor(buffer, size, torch.CPU);
            Tensor raw = backbone.call(input);
            Tensor norms = raw.norm(1, keepdim: true);
            Tensor unit = nn.functional.normalize(raw, p: 2, dim: 1);
            return new EmbeddingBatch(count, backbone.EmbeddingSize, unit.data<float>().ToArray(), norms.data<float>().ToArray());
        }
        finally
        {
            backbone.train(wasTraining);
        }
    }

    /// <summary>CPU embedder options (the machine has no GPU; auto would log a fallback).</summary>
    public static FaceEmbedderOptions CpuOptions() => new() { ExecutionProvider = "cpu" };
}
