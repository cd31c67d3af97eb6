"""Backbones: (B, C_in, n, n) planes -> (B, C, n, n) features, for any head and board size.

Every backbone is built from a :class:`~dosaku.nets.config.ModelConfig` and exposes the same
surface: ``forward_features(x)`` and ``out_channels``. None of them pools the board away, so
a head sees one feature vector per intersection.

- :class:`ResNet`: AlphaGo Zero's tower (Silver et al. 2017, "Neural network architecture"):
  a 3x3 ConvBN stem and ``blocks`` residual blocks of ``channels`` filters.
- :class:`MobileNet`: the same stem and ``blocks`` inverted residuals (MobileNetV2).
- :class:`DenseNet`: a stem, then ``blocks`` dense blocks, each followed by a 1x1 transition
  back to ``channels``.
- :class:`Transformer`: one token per intersection (a linear map of its planes), learned 2-D
  position embeddings, ``blocks`` pre-norm attention blocks, a final LayerNorm.
- :class:`AlphaGoTrunk`: AlphaGo's policy/value trunk (Silver et al. 2016, Methods "Neural
  network architecture"): a 5x5 convolution of k filters then 3x3 convolutions, each followed
  by a ReLU, no batch norm; ``blocks`` counts the policy net's weight layers (13 in the paper),
  the last of which is the head's 1x1 convolution.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .blocks import (ConvBN, DenseBlock, InvertedResidual, PositionEncoding2D, ResidualBlock,
                     TransformerBlock, Transition)
from .config import MAX_BOARD, ModelConfig


class ResNet(nn.Module):
    def __init__(self, config: ModelConfig):
        super().__init__()
        c = config.channels
        self.stem = ConvBN(config.in_planes, c)
        self.blocks = nn.Sequential(*[ResidualBlock(c, config.se_ratio, config.global_pool)
                                      for _ in range(config.blocks)])
        self.out_channels = c

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        return self.blocks(self.stem(x))  # (B, C, n, n)


class MobileNet(nn.Module):
    def __init__(self, config: ModelConfig):
        super().__init__()
        c = config.channels
        self.stem = ConvBN(config.in_planes, c)
        self.blocks = nn.Sequential(*[InvertedResidual(c, config.expansion)
                                      for _ in range(config.blocks)])
        self.out_channels = c

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        return self.blocks(self.stem(x))  # (B, C, n, n)


class DenseNet(nn.Module):
    def __init__(self, config: ModelConfig):
        super().__init__()
        c = config.channels
        self.stem = ConvBN(config.in_planes, c)
        stages = []
        for _ in range(config.blocks):
            block = DenseBlock(c, config.growth, config.dense_layers)
            stages += [block, Transition(block.out_channels, c)]
        self.stages = nn.Sequential(*stages)
        self.norm = nn.BatchNorm2d(c)  # transitions end in a conv: normalise before the head
        self.out_channels = c

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.norm(self.stages(self.stem(x))))  # (B, C, n, n)


class Transformer(nn.Module):
    def __init__(self, config: ModelConfig):
        super().__init__()
        d = config.channels
        self.embed = nn.Linear(config.in_planes, d)
        self.position = PositionEncoding2D(d, MAX_BOARD)
        self.blocks = nn.Sequential(*[TransformerBlock(d, config.attention_heads,
                                                       config.mlp_ratio)
                                      for _ in range(config.blocks)])
        self.norm = nn.LayerNorm(d)
        self.out_channels = d

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        b, _, n, _ = x.shape
        tokens = self.embed(x.flatten(2).transpose(1, 2))  # (B, n*n, D)
        tokens = self.norm(self.blocks(self.position(tokens, n)))  # (B, n*n, D)
        return tokens.transpose(1, 2).reshape(b, -1, n, n)  # (B, D, n, n)


class AlphaGoTrunk(nn.Module):
    def __init__(self, config: ModelConfig):
        super().__init__()
        k = config.channels
        layers = [nn.Conv2d(config.in_planes, k, 5, padding=2), nn.ReLU(inplace=True)]
        for _ in range(config.blocks - 2):  # layers 2 .. L-1; layer L is the head's 1x1
            layers += [nn.Conv2d(k, k, 3, padding=1), nn.ReLU(inplace=True)]
        self.layers = nn.Sequential(*layers)
        self.out_channels = k

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)  # (B, k, n, n)


BACKBONES: dict[str, type[nn.Module]] = {
    "resnet": ResNet, "mobilenet": MobileNet, "densenet": DenseNet,
    "transformer": Transformer, "alphago": AlphaGoTrunk,
}
