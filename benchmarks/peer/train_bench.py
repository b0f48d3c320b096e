"""Training-step speed of a backbone with the KappaFace head, as JSON on standard output.

Each step does what our TrainingState.Step does: pixels (0..255) normalised to [-1, 1], forward,
L2-normalise, KappaFace loss, loss read back to check it is finite, backward, gradient clipping of the
backbone (norm 5), SGD with momentum and weight decay, then the memory-buffer and class-sum update.
The data is one random batch (timing does not depend on pixel values); each step takes a fresh copy
so the normalisation and copy cost is paid as ours pays it.
"""
import argparse
import json
import statistics
import time

import torch
from torch.nn import functional as F

import kappaface
import models


def run(args):
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    backbone = models.create(args.backbone, args.size, args.embedding)
    head = kappaface.KappaFaceHead(args.classes, args.embedding)
    images_total = args.batch * (args.warmup + args.steps)
    tracker = kappaface.ConcentrationTracker(images_total, args.classes, args.embedding, seed=args.seed)
    backbone_parameters = [p for p in backbone.parameters() if p.requires_grad]
    optimiser = torch.optim.SGD(backbone_parameters + [head.centres], lr=args.lr, momentum=0.9, weight_decay=5e-4)
    backbone.train()

    pixels = torch.randint(0, 256, (args.batch, 3, args.size, args.size), dtype=torch.uint8)
    labels_all = torch.arange(images_total) % args.classes
    times = []
    for step in range(args.warmup + args.steps):
        start = time.perf_counter()
        indices = torch.arange(step * args.batch, (step + 1) * args.batch)
        labels = labels_all.index_select(0, indices)
        images = pixels.float().sub_(127.5).div_(127.5)
        optimiser.zero_grad(set_to_none=False)
        features = F.normalize(backbone(images), p=2, dim=1)
        loss = head(features, labels)
        if torch.isfinite(loss).item():
            loss.backward()
            torch.nn.utils.clip_grad_norm_(backbone_parameters, 5.0)
            optimiser.step()
            tracker.after_optimizer_step(indices, labels, features)
        times.append(time.perf_counter() - start)

    measured = sorted(times[args.warmup:])
    median = statistics.median(measured)
    return {
        "framework": "pytorch", "torch": torch.__version__, "backbone": args.backbone, "batch": args.batch,
        "size": args.size, "embedding": args.embedding, "classes": args.classes, "threads": torch.get_num_threads(),
        "warmup": args.warmup, "steps": args.steps, "stepSeconds": times[args.warmup:],
        "medianImagesPerSecond": args.batch / median, "bestImagesPerSecond": args.batch / measured[0],
        "memoryBufferBytes": tracker.buffer_bytes(),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backbone", default="mobilefacenet")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--size", type=int, default=112)
    parser.add_argument("--embedding", type=int, default=512)
    parser.add_argument("--classes", type=int, default=1000)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=1)
    print(json.dumps(run(parser.parse_args())))


if __name__ == "__main__":
    main()
