"""The small blocks every backbone is built from. Tensors are NCHW: (B, C, H, W), H = W = n.

- :class:`ConvBN`: convolution, batch norm, optional ReLU (AlphaGo Zero's unit).
- :class:`ResidualBlock`: two ConvBNs and a skip (He et al. 2016; AlphaGo Zero's tower), with
  optional :class:`SqueezeExcitation` (Hu et al. 2018) and :class:`GlobalPoolingBias` (KataGo,
  Wu 2019).
- :class:`InvertedResidual`: MobileNetV2's expand 1x1 -> depthwise 3x3 -> project 1x1
  (Sandler et al. 2018).
- :class:`DenseBlock` and :class:`Transition`: DenseNet's BN-ReLU-Conv3x3 layers that each see
  all earlier maps, and the 1x1 convolution that brings the width back (Huang et al. 2017).
- :class:`TransformerBlock` and :class:`PositionEncoding2D`: pre-norm attention over one token
  per intersection (Vaswani et al. 2017; Xiong et al. 2020 for pre-norm).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class ConvBN(nn.Sequential):
    """Conv (k x k, same padding, no bias: BN has one) -> BatchNorm -> ReLU if ``relu``."""

    def __init__(self, c_in: int, c_out: int, kernel: int = 3, relu: bool = True,
                 groups: int = 1):
        layers = [nn.Conv2d(c_in, c_out, kernel, padding=kernel // 2, bias=False,
                            groups=groups),
                  nn.BatchNorm2d(c_out)]
        super().__init__(*layers, *([nn.ReLU(inplace=True)] if relu else []))


class SqueezeExcitation(nn.Module):
    """Rescale channels by a gate computed from their board means."""

    def __init__(self, channels: int, ratio: int):
        super().__init__()
        hidden = max(1, channels // ratio)
        self.squeeze = nn.Linear(channels, hidden)
        self.excite = nn.Linear(hidden, channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = x.mean(dim=(2, 3))  # (B, C)
        gate = torch.sigmoid(self.excite(F.relu(self.squeeze(s))))  # (B, C)
        return x * gate[:, :, None, None]


class GlobalPoolingBias(nn.Module):
    """Add a per-channel bias computed from the whole board's mean and max of each channel."""

    def __init__(self, channels: int):
        super().__init__()
        self.linear = nn.Linear(2 * channels, channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pooled = torch.cat([x.mean(dim=(2, 3)), x.amax(dim=(2, 3))], dim=1)  # (B, 2C)
        return x + self.linear(pooled)[:, :, None, None]


class ResidualBlock(nn.Module):
    """x -> ReLU(x + BN(Conv(ReLU(BN(Conv(x)))))), AlphaGo Zero's residual block."""

    def __init__(self, channels: int, se_ratio: int = 0, global_pool: bool = False):
        super().__init__()
        self.conv1 = ConvBN(channels, channels)
        self.pool = GlobalPoolingBias(channels) if global_pool else nn.Identity()
        self.conv2 = ConvBN(channels, channels, relu=False)
        self.se = SqueezeExcitation(channels, se_ratio) if se_ratio else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.pool(self.conv1(x))  # (B, C, H, W)
        y = self.se(self.conv2(y))
        return F.relu(x + y)


class InvertedResidual(nn.Module):
    """x -> x + Project1x1(Depthwise3x3(Expand1x1(x))): narrow in, wide inside, linear out.

    The depthwise 3x3 costs H*W*tC*9 multiply-adds against H*W*tC*tC*9 for a full 3x3 on
    the expanded width: the saving MobileNet is built on.
    """

    def __init__(self, channels: int, expansion: int):
        super().__init__()
        wide = channels * expansion
        self.expand = nn.Sequential(nn.Conv2d(channels, wide, 1, bias=False),
                                    nn.BatchNorm2d(wide), nn.ReLU6(inplace=True))
        self.depthwise = nn.Sequential(nn.Conv2d(wide, wide, 3, padding=1, groups=wide,
                                                 bias=False),
                                       nn.BatchNorm2d(wide), nn.ReLU6(inplace=True))
        self.project = nn.Sequential(nn.Conv2d(wide, channels, 1, bias=False),
                                     nn.BatchNorm2d(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.project(self.depthwise(self.expand(x)))


class DenseLayer(nn.Module):
    """BN -> ReLU -> Conv3x3 producing ``growth`` new maps, appended to its input."""

    def __init__(self, c_in: int, growth: int):
        super().__init__()
        self.norm = nn.BatchNorm2d(c_in)
        self.conv = nn.Conv2d(c_in, growth, 3, padding=1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([x, self.conv(F.relu(self.norm(x)))], dim=1)  # (B, C + k, H, W)


class DenseBlock(nn.Sequential):
    """``layers`` DenseLayers: layer i sees the block input and all i earlier outputs."""

    def __init__(self, c_in: int, growth: int, layers: int):
        super().__init__(*[DenseLayer(c_in + i * growth, growth) for i in range(layers)])
        self.out_channels = c_in + layers * growth


class Transition(nn.Sequential):
    """BN -> ReLU -> Conv1x1: back to ``c_out`` channels (no pooling: the board stays n x n)."""

    def __init__(self, c_in: int, c_out: int):
        super().__init__(nn.BatchNorm2d(c_in), nn.ReLU(inplace=True),
                         nn.Conv2d(c_in, c_out, 1, bias=False))


class PositionEncoding2D(nn.Module):
    """Learned row and column embeddings, added to the token of each intersection.

    Tables hold ``max_size`` rows and columns; a board of side n uses the first n of each, so
    one set of weights serves every board size up to ``max_size``.
    """

    def __init__(self, dim: int, max_size: int = 25):
        super().__init__()
        self.rows = nn.Parameter(torch.randn(max_size, dim) * 0.02)
        self.cols = nn.Parameter(torch.randn(max_size, dim) * 0.02)

    def forward(self, tokens: torch.Tensor, n: int) -> torch.Tensor:
        where = self.rows[:n, None, :] + self.cols[None, :n, :]  # (n, n, D)
        return tokens + where.reshape(n * n, -1)  # (B, n*n, D)


class SelfAttention(nn.Module):
    def __init__(self, dim: int, heads: int):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.out = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, t, d = x.shape
        q, k, v = self.qkv(x).split(d, dim=2)
        q, k, v = (z.view(b, t, self.heads, d // self.heads).transpose(1, 2)
                   for z in (q, k, v))  # (B, heads, T, D/heads)
        y = F.scaled_dot_product_attention(q, k, v)  # every point attends to every point
        return self.out(y.transpose(1, 2).reshape(b, t, d))


class TransformerBlock(nn.Module):
    """Pre-norm: x + Attention(LN(x)), then x + MLP(LN(x))."""

    def __init__(self, dim: int, heads: int, mlp_ratio: int):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attention = SelfAttention(dim, heads)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, mlp_ratio * dim), nn.GELU(),
                                 nn.Linear(mlp_ratio * dim, dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attention(self.norm1(x))  # (B, T, D)
        return x + self.mlp(self.norm2(x))
