"""Parameter counts, output shape and forward FLOPs of our backbones' PyTorch twins, as JSON.

Usage: describe.py BACKBONE:SIZE:EMBEDDING ...   (e.g. mobilefacenet:112:128 iresnet50:112:512)
Read by tests/Trainer.Tests/Peer/PeerArchitectureTests.cs and benchmarks/PeerComparison.
"""
import json
import sys

import torch

import models


def describe(spec):
    name, size, embedding = spec.split(":")
    size, embedding = int(size), int(embedding)
    model = models.create(name, size, embedding)
    blocks = {}
    for key, parameter in model.named_parameters():
        top = key.split(".")[0]
        blocks[top] = blocks.get(top, 0) + parameter.numel()
    model.eval()
    with torch.no_grad():
        output = model(torch.zeros(2, 3, size, size))
    return {
        "backbone": name, "size": size, "embedding": embedding,
        "parameters": sum(p.numel() for p in model.parameters()),
        "trainableParameters": sum(p.numel() for p in model.parameters() if p.requires_grad),
        "blocks": blocks,
        "shapes": {key: list(p.shape) for key, p in model.named_parameters()},
        "outputShape": list(output.shape),
        "forwardFlops": models.forward_flops(model, size),
    }


def main():
    torch.set_num_threads(1)
    specs = sys.argv[1:] or ["mobilefacenet:112:128", "mobilefacenet:112:512", "iresnet50:112:512"]
    print(json.dumps([describe(spec) for spec in specs]))


if __name__ == "__main__":
    main()
