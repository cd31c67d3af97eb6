"""Heads: (B, C, n, n) features -> move logits (B, n*n + 1) and/or a value (B,) in [-1, 1],
and optionally an ownership map (B, n, n) in [-1, 1].

Move ``m`` is ``row * n + col``; the last logit is the pass. Values are from the side to
move's point of view (+1: the side to move wins).

- :class:`PolicyHead` / :class:`ValueHead`: AlphaGo Zero's (Silver et al. 2017, "Neural
  network architecture"): a 1x1 ConvBN of 2 (policy) or 1 (value) filters, then fully
  connected layers; the value's hidden layer has 256 units.
- :class:`AlphaGoPolicyHead`: AlphaGo's last layer (2016, Methods): a 1x1 convolution with one
  filter "with a different bias for each position", then the softmax (taken by the loss or
  the caller). The paper's net has no pass output; a single learned pass logit is appended
  so every policy here speaks the same n*n + 1 moves.
- :class:`AlphaGoValueHead`: AlphaGo's value net top: a 1x1 convolution with one filter, a
  fully connected layer of 256 rectifiers, and a single tanh unit. The one-filter convolution
  is linear: with a rectifier after it (and no batch norm to keep it centred) the single
  channel can die, every pre-activation negative on every point, and then no gradient reaches
  the fully connected layers' inputs or the trunk again. It did: the first value nets stayed
  at v = constant, MSE 1.000, with that channel positive on 0.0% of points.
- :class:`OwnershipHead`: KataGo's auxiliary ownership head (Wu 2019, section 4.1): for every
  point, who owns it when the game ends, +1 the side to move, -1 the opponent, 0 neither. A
  training target only: n*n signals per position where the outcome gives one, each pointing at
  the part of the board that was mispredicted.
"""

from __future__ import annotations

import torch
from torch import nn

from .blocks import ConvBN


class PolicyHead(nn.Module):
    def __init__(self, channels: int, n: int, filters: int = 2):
        super().__init__()
        self.conv = ConvBN(channels, filters, kernel=1)
        self.fc = nn.Linear(filters * n * n, n * n + 1)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return self.fc(self.conv(features).flatten(1))  # (B, n*n + 1)


class ValueHead(nn.Module):
    def __init__(self, channels: int, n: int, filters: int = 1, hidden: int = 256):
        super().__init__()
        self.conv = ConvBN(channels, filters, kernel=1)
        self.fc = nn.Sequential(nn.Linear(filters * n * n, hidden), nn.ReLU(inplace=True),
                                nn.Linear(hidden, 1))

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.fc(self.conv(features).flatten(1))).squeeze(1)  # (B,)


class AlphaGoPolicyHead(nn.Module):
    def __init__(self, channels: int, n: int):
        super().__init__()
        self.conv = nn.Conv2d(channels, 1, 1, bias=False)
        self.position_bias = nn.Parameter(torch.zeros(n * n))
        self.pass_logit = nn.Parameter(torch.zeros(1))

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        board = self.conv(features).flatten(1) + self.position_bias  # (B, n*n)
        return torch.cat([board, self.pass_logit.expand(board.shape[0], 1)], dim=1)


class AlphaGoValueHead(nn.Module):
    def __init__(self, channels: int, n: int, hidden: int = 256):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(channels, 1, 1))  # linear: see the module doc
        self.fc = nn.Sequential(nn.Linear(n * n, hidden), nn.ReLU(inplace=True),
                                nn.Linear(hidden, 1))

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.fc(self.conv(features).flatten(1))).squeeze(1)  # (B,)


class OwnershipHead(nn.Module):
    """A 1x1 ConvBN with ReLU at the trunk's width, then a 1x1 convolution to one channel and
    tanh: (B, C, n, n) -> (B, n, n) in [-1, 1].

    KataGo takes ownership off the value head's first 1x1 layer in the same way. The hidden
    layer keeps the one output channel from being a bare linear read of the trunk; the last
    convolution has a bias and no batch norm, which would tie every batch's ownership to one
    learned mean and spread. Being fully convolutional, it fits any board size.
    """

    def __init__(self, channels: int):
        super().__init__()
        self.conv = ConvBN(channels, channels, kernel=1)
        self.out = nn.Conv2d(channels, 1, 1)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.out(self.conv(features))).squeeze(1)  # (B, n, n)
