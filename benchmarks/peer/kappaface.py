"""The KappaFace margin head and its per-step bookkeeping, doing the same work per step as ours.

Mirrors src/Trainer/Heads/MarginSoftmaxHead.cs + KappaFaceMargin.cs (margin on the gathered target
column only, scattered back) and src/Trainer/Concentration/MemoryBuffer.cs + KappaFaceState.Accumulate
(the default concentration source is the memory buffer, so there is no momentum-encoder forward).
The epoch-end margin update is not part of a training step and is left out.
"""
import math

import torch
from torch import nn
from torch.nn import functional as F


class KappaFaceHead(nn.Module):
    """Cosine logits against normalised centres, cos(theta + m_y) on the target column, scale s, cross-entropy."""

    def __init__(self, classes, embedding_size, scale=64.0, base_margin=0.5, clamp_eps=1e-7):
        super().__init__()
        self.centres = nn.Parameter(torch.empty(classes, embedding_size).normal_(0, 0.01))
        self.scale = scale
        self.clamp_eps = clamp_eps
        # Per-class margins m0 * psi_c; psi starts at 1 and changes only at epoch ends (float64 as ours).
        self.register_buffer("margins", torch.full((classes,), base_margin, dtype=torch.float64))

    def forward(self, features, labels):
        cosine = features.matmul(F.normalize(self.centres, p=2, dim=1).t())
        column = labels.unsqueeze(1)
        target = cosine.gather(1, column).squeeze(1)
        margin = self.margins.index_select(0, labels).to(target.dtype)
        theta = target.clamp(-1 + self.clamp_eps, 1 - self.clamp_eps).acos()
        logits = cosine.scatter(1, column, (theta + margin).cos().unsqueeze(1)).mul(self.scale)
        return F.cross_entropy(logits, labels)


class ConcentrationTracker:
    """Memory buffer (one unit vector per image, blended with the new feature) and per-class sums."""

    def __init__(self, images, classes, embedding_size, momentum=0.9, seed=0):
        bound = 1 / math.sqrt(embedding_size / 3.0)
        generator = torch.Generator().manual_seed(seed)
        self.rows = torch.empty(images, embedding_size).uniform_(-bound, bound, generator=generator)
        self.new_weight = momentum   # our default convention: the momentum weights the new feature
        self.sums = torch.zeros(classes, embedding_size)
        self.observed = torch.zeros(classes, dtype=torch.int64)

    @torch.no_grad()
    def after_optimizer_step(self, indices, labels, features):
        blended = self.rows.index_select(0, indices).mul(1 - self.new_weight).add(features.detach(), alpha=self.new_weight)
        updated = F.normalize(blended, p=2, dim=1)
        self.rows.index_copy_(0, indices, updated)
        self.sums.index_add_(0, labels, updated)
        self.observed.index_add_(0, labels, torch.ones_like(labels))

    def buffer_bytes(self):
        return self.rows.numel() * self.rows.element_size()
