using KappaFace.MLNet.Trainer.Backbones;
using KappaFace.MLNet.Trainer.Data;
using KappaFace.MLNet.Trainer.Evaluation;
using KappaFace.MLNet.Trainer.Import;
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
    /// <paramref name="alsoVisit"/>, when given, sees every batch of the same pass (see <see cref="VisitEmbeddings"/>).
    /// </summary>
    public static Tensor ClassMeanCentres(FaceBackbone backbone, ITrainingImages data, Device device, Action<Tensor, Tensor, Tensor>? alsoVisit = null)
    {
        using var sums = torch.zeros(data.ClassCount, backbone.EmbeddingSize, device: device);
        VisitEmbeddings(backbone, data, device, (indices, labels, unit) =>
        {
            sums.index_add_(0, labels, unit, 1);
            alsoVisit?.Invoke(indices, labels, unit);
        });
        return nn.functional.normalize(sums, p: 2, dim: 1);
    }

    /// <summary>
    /// Embeds every training image once under <paramref name="backbone"/> in eval mode (no flip, no gradient) and
    /// hands each batch to <paramref name="visit"/> as (dataset indices <c>[B]</c>, labels <c>[B]</c>, unit
    /// embeddings <c>[B, D]</c>), int64 and float32 on <paramref name="device"/>. The tensors live for the call only.
    /// </summary>
    public static void VisitEmbeddings(FaceBackbone backbone, ITrainingImages data, Device device, Action<Tensor, Tensor, Tensor> visit)
    {
        using var evalMode = EvalScope.Enter(backbone);
        using var noGrad = torch.no_grad();
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
            long[] indices = [.. Enumerable.Range(start, count).Select(i => (long)i)];
            long[] labels = [.. Enumerable.Range(start, count).Select(i => (long)data.Labels[i])];
            visit(torch.tensor(indices, device: device), torch.tensor(labels, device: device), unit);
        }
    }

    /// <summary>
    /// Stops the first <paramref name="fraction"/> of an imported backbone's layers (rounded to whole layers, in
    /// forward order; see <see cref="OnnxGraphModule.Layers"/>) from training: their parameters no longer require
    /// gradients, and their batch norms are returned so that <see cref="TrainMode"/> keeps them in eval mode.
    /// Nothing is frozen for other backbones or a fraction of 0.
    /// </summary>
    public static IReadOnlyList<NormBase> FreezeLeadingLayers(FaceBackbone backbone, double fraction)
    {
        if (backbone is not ImportedBackbone imported || fraction <= 0)
        {
            return [];
        }

        var layers = imported.Graph.Layers();
        int count = (int)Math.Round(fraction * layers.Count, MidpointRounding.AwayFromZero);
        foreach (var parameter in layers.Take(count).SelectMany(l => l.Parameters))
        {
            parameter.requires_grad = false;
        }

        return [.. layers.Take(count).Select(l => l.Norm).OfType<NormBase>()];
    }

    /// <summary>
    /// Puts the backbone in training mode, with every batch norm in eval mode when <paramref name="freezeBatchNorm"/>
    /// and the <paramref name="frozen"/> ones (of frozen layers) in eval mode always.
    /// </summary>
    public static void TrainMode(FaceBackbone backbone, bool freezeBatchNorm, IEnumerable<NormBase>? frozen = null)
    {
        backbone.train();
        var norms = freezeBatchNorm ? backbone.modules().OfType<NormBase>() : frozen ?? [];
        foreach (var norm in norms)
        {
            norm.eval();
        }
    }
}
