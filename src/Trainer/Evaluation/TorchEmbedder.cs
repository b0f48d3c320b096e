using KappaFace.MLNet.Trainer.Backbones;
using KappaFace.MLNet.Trainer.Training;
using KappaFace.MLNet.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace KappaFace.MLNet.Trainer.Evaluation;

/// <summary>Embeds a whole image set with a TorchSharp backbone in eval mode (BatchNorm running statistics).</summary>
public static class TorchEmbedder
{
    /// <summary>
    /// L2-normalised embeddings as one row-major <c>[N, D]</c> array (D = the backbone's embedding size), in set
    /// order. The backbone's train/eval mode is restored afterwards.
    /// </summary>
    public static float[] Embed(FaceBackbone backbone, FaceImageSet images, Device device, int batchSize = 64)
    {
        ArgumentNullException.ThrowIfNull(backbone);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        using var evalMode = EvalScope.Enter(backbone);
        int d = backbone.EmbeddingSize;
        var result = new float[images.Count * d];
        var indices = Enumerable.Range(0, images.Count).ToArray();
        using var noGrad = torch.no_grad();
        for (int start = 0; start < images.Count; start += batchSize)
        {
            using var scope = torch.NewDisposeScope();
            int count = Math.Min(batchSize, images.Count - start);
            float[] buffer = BatchAssembler.Assemble(images, indices.AsSpan(start, count), isFlipped: null);
            Tensor input = BatchAssembler.ToTensor(buffer, images.ImageSize, device);
            Tensor unit = nn.functional.normalize(backbone.call(input), p: 2, dim: 1).cpu();
            unit.data<float>().CopyTo(result, start * d);
        }
        return result;
    }
}
