using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace KappaFace.MLNet.Trainer.Backbones;

/// <summary>
/// The embedding head every backbone ends with: flatten the last feature map, dropout, a linear
/// layer to D, then BatchNorm1d whose scale is fixed at 1 and never trained (only its shift is).
/// Freezing the scale follows insightface (arcface_torch, and the KappaFace reference built on it): the embedding's length is then set by
/// the network alone, and checkpoints keep the same layout as the reference.
/// State-dict keys: <c>fc.weight</c>, <c>fc.bias</c> (when present), <c>features.*</c>.
/// </summary>
public sealed class EmbeddingHead : nn.Module<Tensor, Tensor>
{
    private readonly Dropout dropout;
    private readonly Linear fc;
    private readonly StableBatchNorm features;

    /// <summary>Creates the head.</summary>
    /// <param name="inFeatures">Length of the flattened feature map (channels x height x width).</param>
    /// <param name="embeddingSize">Embedding length D.</param>
    /// <param name="linearBias">Whether the linear layer has a bias (IResNet: yes; MobileFaceNet: no).</param>
    /// <param name="dropout">Dropout probability before the linear layer, in [0, 1); 0 disables it.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size below 1, or a dropout outside [0, 1).</exception>
    public EmbeddingHead(long inFeatures, int embeddingSize, bool linearBias, double dropout = 0)
        : base(nameof(EmbeddingHead))
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inFeatures, 1);
        FaceBackbone.ValidateEmbeddingSize(embeddingSize);
        if (!(dropout >= 0 && dropout < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(dropout), dropout,
                $"Dropout probability must be in [0, 1); got {dropout}.");
        }

        InFeatures = inFeatures;
        this.dropout = nn.Dropout(dropout);
        fc = nn.Linear(inFeatures, embeddingSize, hasBias: linearBias);
        features = Norms.BatchNorm1d(embeddingSize);
        // The scale is a constant 1: reset it explicitly and keep it out of every optimiser's reach.
        using (no_grad())
        {
            features.weight!.fill_(1.0);
        }

        features.weight.requires_grad = false;
        RegisterComponents();
    }

    /// <summary>Length of the flattened feature map the head expects.</summary>
    public long InFeatures { get; }

    /// <summary>The dropout before the linear layer (an identity in eval mode or at probability 0).</summary>
    public Dropout Dropout => dropout;

    /// <summary>The linear layer to the embedding size.</summary>
    public Linear Fc => fc;

    /// <summary>The final BatchNorm1d; its weight is fixed at 1 with <c>requires_grad = false</c>.</summary>
    public StableBatchNorm Features => features;

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var flat = input.flatten(1);
        return ModuleChain.Run(flat, dropout, fc, features);
    }
}
