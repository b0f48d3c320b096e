"""Export a PyTorch twin (models.py) to ONNX as a user of insightface-style code would, for the import tests.

Usage: export_onnx.py BACKBONE SIZE EMBEDDING OUT_DIR [SEED] [OPSET] [keep-bn]
Writes OUT_DIR/model.onnx (torch.onnx.export traced at batch 1: input "data", output "fc1", the batch fixed
at 1 as a plain export leaves it), OUT_DIR/pixels.bin (float32 [3, 3, SIZE, SIZE], raw 0..255) and
OUT_DIR/expected.bin (float32 [3, EMBEDDING], the eval-mode outputs on (pixels - 127.5) / 127.5).
By default torch.onnx folds every batch norm that follows a convolution; with keep-bn (training mode
PRESERVE, no constant folding) they stay BatchNormalization nodes, as in graphs exported for training.
Batch-norm statistics and PReLU slopes are set away from their initial values so that a wrong
import of either changes the outputs.
"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import models  # noqa: E402


def main():
    name, size, embedding, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    seed = int(sys.argv[5]) if len(sys.argv) > 5 else 1
    opset = int(sys.argv[6]) if len(sys.argv) > 6 and sys.argv[6] != "default" else None
    torch.manual_seed(seed)
    model = models.create(name, size, embedding)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, torch.nn.PReLU):
                module.weight.uniform_(-0.25, 1.25)
            if isinstance(module, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d)):
                module.bias.normal_(0, 0.2)
                module.momentum = 1.0
        model.train()
        model(torch.rand(16, 3, size, size) * 2 - 1)   # running statistics from one real batch
    model.eval()
    os.makedirs(out, exist_ok=True)
    kwargs = {} if opset is None else {"opset_version": opset}
    if len(sys.argv) > 7 and sys.argv[7] == "keep-bn":
        kwargs.update(training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False)
    torch.onnx.export(model, torch.zeros(1, 3, size, size), os.path.join(out, "model.onnx"),
                      input_names=["data"], output_names=["fc1"], **kwargs)
    pixels = torch.randint(0, 256, (3, 3, size, size)).float()
    with torch.no_grad():
        expected = model((pixels - 127.5) / 127.5)
    pixels.numpy().tofile(os.path.join(out, "pixels.bin"))
    expected.numpy().astype("float32").tofile(os.path.join(out, "expected.bin"))


if __name__ == "__main__":
    main()
