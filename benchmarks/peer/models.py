"""MobileFaceNet and IResNet in PyTorch with exactly the layer structure of our TorchSharp backbones.

Module and parameter names follow src/Trainer/Backbones (stem, stem_dw, layer1.0.expand.conv, ...,
output_bn, head.fc, head.features), so the two state dicts can be compared key by key. Written for
Debian's python3-torch (1.13); nothing here is specific to that version.
"""
import torch
from torch import nn

BN_EPS = 1e-5       # insightface's BatchNorm settings, as src/Trainer/Backbones/Norms.cs
BN_MOMENTUM = 0.1


def batch_norm_2d(channels):
    return nn.BatchNorm2d(channels, eps=BN_EPS, momentum=BN_MOMENTUM)


class ConvBnPrelu(nn.Module):
    """Bias-free convolution, BatchNorm2d, per-channel PReLU (ConvBnPrelu.cs)."""

    def __init__(self, cin, cout, kernel, stride=1, padding=0, groups=1):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, kernel, stride, padding, groups=groups, bias=False)
        self.bn = batch_norm_2d(cout)
        self.prelu = nn.PReLU(cout)

    def forward(self, x):
        return self.prelu(self.bn(self.conv(x)))


class ConvBn(nn.Module):
    """Bias-free convolution and BatchNorm2d without activation (ConvBn.cs)."""

    def __init__(self, cin, cout, kernel, stride=1, padding=0, groups=1):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, kernel, stride, padding, groups=groups, bias=False)
        self.bn = batch_norm_2d(cout)

    def forward(self, x):
        return self.bn(self.conv(x))


class EmbeddingHead(nn.Module):
    """Flatten, dropout, linear to D, BatchNorm1d with its scale frozen at 1 (EmbeddingHead.cs)."""

    def __init__(self, in_features, embedding_size, linear_bias, dropout=0.0):
        super().__init__()
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(in_features, embedding_size, bias=linear_bias)
        self.features = nn.BatchNorm1d(embedding_size, eps=BN_EPS, momentum=BN_MOMENTUM)
        nn.init.constant_(self.features.weight, 1.0)
        self.features.weight.requires_grad = False

    def forward(self, x):
        return self.features(self.fc(self.dropout(torch.flatten(x, 1))))


class DepthwiseBottleneck(nn.Module):
    """1x1 expansion, 3x3 depthwise (carries the stride), linear 1x1 projection; residual when the shape is kept."""

    def __init__(self, cin, cout, expanded, stride=1):
        super().__init__()
        self.expand = ConvBnPrelu(cin, expanded, 1)
        self.depthwise = ConvBnPrelu(expanded, expanded, 3, stride, 1, groups=expanded)
        self.project = ConvBn(expanded, cout, 1)
        self.residual = stride == 1 and cin == cout

    def forward(self, x):
        out = self.project(self.depthwise(self.expand(x)))
        return out + x if self.residual else out


# (output channels, expansion of the strided first block, residual blocks, their expansion): MobileFaceNet.cs StageTable.
MOBILEFACENET_STAGES = [(64, 128, 4, 128), (128, 256, 6, 256), (128, 512, 2, 256)]


class MobileFaceNet(nn.Module):
    def __init__(self, input_size=112, embedding_size=512, dropout=0.0):
        super().__init__()
        side = input_size // 16
        self.stem = ConvBnPrelu(3, 64, 3, 2, 1)
        self.stem_dw = ConvBnPrelu(64, 64, 3, 1, 1, groups=64)
        cin = 64
        for number, (cout, down_expansion, residuals, expansion) in enumerate(MOBILEFACENET_STAGES, start=1):
            blocks = [DepthwiseBottleneck(cin, cout, down_expansion, stride=2)]
            blocks += [DepthwiseBottleneck(cout, cout, expansion) for _ in range(residuals)]
            setattr(self, f"layer{number}", nn.Sequential(*blocks))
            cin = cout
        self.conv_sep = ConvBnPrelu(cin, 512, 1)
        self.gdc = ConvBn(512, 512, side, groups=512)
        self.head = EmbeddingHead(512, embedding_size, linear_bias=False, dropout=dropout)

    def forward(self, x):
        for module in (self.stem, self.stem_dw, self.layer1, self.layer2, self.layer3, self.conv_sep, self.gdc):
            x = module(x)
        return self.head(x)


class IBasicBlock(nn.Module):
    """BN, conv3x3, BN, PReLU, conv3x3 (strided), BN, plus the input or its conv1x1+BN projection."""

    def __init__(self, cin, cout, stride=1):
        super().__init__()
        self.bn1 = batch_norm_2d(cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, 1, 1, bias=False)
        self.bn2 = batch_norm_2d(cout)
        self.prelu = nn.PReLU(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, stride, 1, bias=False)
        self.bn3 = batch_norm_2d(cout)
        self.downsample = ConvBn(cin, cout, 1, stride) if stride != 1 or cin != cout else None

    def forward(self, x):
        out = self.bn3(self.conv2(self.prelu(self.bn2(self.conv1(self.bn1(x))))))
        return out + (x if self.downsample is None else self.downsample(x))


IRESNET_BLOCKS = {"iresnet18": [2, 2, 2, 2], "iresnet34": [3, 4, 6, 3], "iresnet50": [3, 4, 14, 3], "iresnet100": [3, 13, 30, 3]}


class IResNet(nn.Module):
    def __init__(self, blocks, input_size=112, embedding_size=512, dropout=0.0):
        super().__init__()
        side = input_size // 16
        self.stem = ConvBnPrelu(3, 64, 3, 1, 1)
        cin = 64
        for number, (width, count) in enumerate(zip([64, 128, 256, 512], blocks), start=1):
            layers = [IBasicBlock(cin, width, stride=2)] + [IBasicBlock(width, width) for _ in range(count - 1)]
            setattr(self, f"layer{number}", nn.Sequential(*layers))
            cin = width
        self.output_bn = batch_norm_2d(512)
        self.head = EmbeddingHead(512 * side * side, embedding_size, linear_bias=True, dropout=dropout)

    def forward(self, x):
        for module in (self.stem, self.layer1, self.layer2, self.layer3, self.layer4, self.output_bn):
            x = module(x)
        return self.head(x)


def create(name, input_size=112, embedding_size=512):
    """A backbone by our CLI name: mobilefacenet or iresnet18/34/50/100."""
    if name == "mobilefacenet":
        return MobileFaceNet(input_size, embedding_size)
    if name in IRESNET_BLOCKS:
        return IResNet(IRESNET_BLOCKS[name], input_size, embedding_size)
    raise ValueError(f"unknown backbone '{name}' (expected mobilefacenet or one of {sorted(IRESNET_BLOCKS)})")


def forward_flops(model, input_size):
    """Multiply-add FLOPs (2 per MAC) of one image's forward pass through convolutions and linear layers.

    Batch norm, PReLU and additions are left out: they are a few per activation, well under 1% of the
    convolution work in both networks.
    """
    total = 0

    def count(module, inputs, output):
        nonlocal total
        if isinstance(module, nn.Conv2d):
            per_output = module.in_channels // module.groups * module.kernel_size[0] * module.kernel_size[1]
            total += 2 * output[0].numel() * per_output
        elif isinstance(module, nn.Linear):
            total += 2 * module.in_features * module.out_features

    hooks = [m.register_forward_hook(count) for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            model(torch.zeros(1, 3, input_size, input_size))
    finally:
        for hook in hooks:
            hook.remove()
        model.train(was_training)
    return total
