using KappaFace.MLNet.Trainer.Backbones;
using KappaFace.MLNet.Trainer.Data;
using KappaFace.MLNet.Trainer.Evaluation;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace KappaFace.MLNet.Trainer.Training;

/// <summary>
/// The pieces that make training start from a pretrained backbone instead of a fresh one: class centres
/// at each identity's normalised mean embedding, and batch norms kept in eval mode when asked.
/// </summary>
internal static class FineTuning
{
    private const int BatchSize = 64;

    /// <summary>
    /// Per class, the normalised mean of the images' normalised eval-mode embeddings (no flip), as
    /// <c>[C, D]</c> on <paramref name="device"/>. A class centre there gives the pretrained features a
    /// loss near its minimum for the margin, so the first steps refine rather than wreck them.
    /// </summary>
    public static Tensor ClassMeanCentres(FaceBackbone backbone, ITrainingImages data, Device device)
    {
        using var evalMode = EvalScope.Enter(backbone);
        using var noGrad = torch.no_grad();
        var sums = torch.zeros(data.ClassCount, backbone.EmbeddingSize, device: device);
        int size = data.ImageSize;
        int pixels = 3 * size * size;
        var bytes = new byte[pixels];
        for (int start = 0; start < data.Count; start += BatchSize)
        {
            using var scope = torch.NewDisposeScope();
            int count = Math.Min(BatchSize, data.Count - start);
            var buffer = new float[count * pixels];
            for (int i = 0; i < count; i++)
            {
                data.CopyPixels(start + i, bytes);
                BatchAssembler.Normalise(bytes, size, flip: false, buffer.AsSpan(i * pixels, pixels));
            }

            Tensor unit = nn.functional.normalize(backbone.call(BatchAssembler.ToTensor(buffer, size, device)), p: 2, dim: 1);
            long[] labels = [.. Enumerable.Range(start, count).Select(i => (long)data.Labels[i])];
            sums.index_add_(0, torch.tensor(labels, device: device), unit, 1);
        }

        return nn.functional.normalize(sums, p: 2, dim: 1);
    }

    /// <summary>Puts the backbone in training mode, with every batch norm in eval mode when <paramref name="freezeBatchNorm"/>.</summary>
    public static void TrainMode(FaceBackbone backbone, bool freezeBatchNorm)
    {
        backbone.train();
        if (freezeBatchNorm)
        {
            foreach (var norm in backbone.modules().OfType<NormBase>())
            {
                norm.eval();
            }
        }
    }
}
