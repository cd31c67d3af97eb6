"""GoNet (a backbone under a head), the model registry and the one factory, ``create_model``.

Names follow ``family_b{blocks}c{channels}`` (``densenet_b{blocks}k{growth}``), e.g.
``resnet_b6c64``; any such name builds, and :data:`PRESETS` lists the ones ``dosaku nets
list`` reports. ``alphago_policy`` and ``alphago_value`` are the 2016 paper's nets (13 layers,
k = 192 filters, 48 / 49 input planes).

Every name can be adjusted by keyword: ``create_model("resnet_b6c64", head="policy",
board_size=9, se_ratio=4)``; the overrides are ModelConfig fields.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

import torch
from torch import nn

from .backbones import BACKBONES
from .config import FAMILIES, ConfigError, ModelConfig
from .heads import (AlphaGoPolicyHead, AlphaGoValueHead, OwnershipHead, PolicyHead,
                    ValueHead)


class NetOutput(NamedTuple):
    """What a net says about a batch: move logits (B, n*n + 1) and values (B,) in [-1, 1];
    None where the head does not give it."""

    policy: torch.Tensor | None
    value: torch.Tensor | None


class GoNet(nn.Module):
    """``backbone`` features -> ``policy_head`` and/or ``value_head``, built from ``config``;
    with ``config.ownership`` also an ``ownership_head`` that only training reads, through
    :meth:`forward_with_ownership` (``forward``, and so search and export, never run it)."""

    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        self.backbone = BACKBONES[config.family](config)
        c, n = self.backbone.out_channels, config.board_size
        wants_policy = config.head in ("policy", "dual")
        wants_value = config.head in ("value", "dual")
        if config.family == "alphago":
            policy = AlphaGoPolicyHead(c, n)
            value = AlphaGoValueHead(c, n, config.value_hidden)
        else:
            policy = PolicyHead(c, n, config.policy_channels)
            value = ValueHead(c, n, config.value_channels, config.value_hidden)
        self.policy_head = policy if wants_policy else None
        self.value_head = value if wants_value else None
        self.ownership_head = OwnershipHead(c) if config.ownership else None

    def forward(self, planes: torch.Tensor) -> NetOutput:
        """planes (B, C_in, n, n) float -> NetOutput(policy logits, value)."""
        self.check_input(planes)
        return self.heads(self.backbone.forward_features(planes))

    def forward_with_ownership(self, planes: torch.Tensor) -> tuple[NetOutput, torch.Tensor]:
        """planes -> (NetOutput, ownership (B, n, n) in [-1, 1], +1: the side to move owns
        the point at the game's end). Training's pass: one trunk for all three heads.

        Raises ValueError if the net was built without ``config.ownership``.
        """
        if self.ownership_head is None:
            raise ValueError("this net has no ownership head (ModelConfig.ownership is False)")
        self.check_input(planes)
        features = self.backbone.forward_features(planes)  # (B, C, n, n)
        return self.heads(features), self.ownership_head(features)

    def heads(self, features: torch.Tensor) -> NetOutput:
        policy = self.policy_head(features) if self.policy_head is not None else None
        value = self.value_head(features) if self.value_head is not None else None
        return NetOutput(policy, value)

    def check_input(self, planes: torch.Tensor) -> None:
        c, n = self.config.in_planes, self.config.board_size
        if planes.dim() != 4 or tuple(planes.shape[1:]) != (c, n, n):
            raise ValueError(f"{self.config.encoder} on {n}x{n} takes (B, {c}, {n}, {n}) "
                             f"planes, got {tuple(planes.shape)}")


PRESETS: dict[str, ModelConfig] = {
    "resnet_b6c64": ModelConfig("resnet", 6, 64),
    "resnet_b10c128": ModelConfig("resnet", 10, 128),
    "resnet_b20c256": ModelConfig("resnet", 20, 256),
    "mobilenet_b6c64": ModelConfig("mobilenet", 6, 64),
    "mobilenet_b10c64": ModelConfig("mobilenet", 10, 64),
    "mobilenet_b10c128": ModelConfig("mobilenet", 10, 128),
    "densenet_b4k32": ModelConfig("densenet", 4, 64, growth=32),
    "transformer_b6c128": ModelConfig("transformer", 6, 128),
    "alphago_policy": ModelConfig("alphago", 13, 192, head="policy", encoder="alphago48"),
    "alphago_value": ModelConfig("alphago", 13, 192, head="value", encoder="alphago49"),
}

NAME_PATTERN = re.compile(r"(?P<family>[a-z]+)_b(?P<blocks>\d+)(?P<kind>[ck])(?P<width>\d+)")


def model_config(name: str, **overrides: Any) -> ModelConfig:
    """The config a name stands for, with ``overrides`` applied.

    Raises ValueError for a name that is neither a preset nor ``family_b{B}c{C}`` (or
    ``densenet_b{B}k{K}``), and ConfigError naming a bad override.
    """
    if name in PRESETS:
        return PRESETS[name].replace(**overrides)
    match = NAME_PATTERN.fullmatch(name)
    if not match or match["family"] not in FAMILIES or (
            (match["kind"] == "k") != (match["family"] == "densenet")):
        raise ValueError(f"unknown model {name!r}: expected one of {', '.join(PRESETS)} "
                         f"or a name like resnet_b6c64 / densenet_b4k32")
    blocks, width = int(match["blocks"]), int(match["width"])
    size = {"growth": width} if match["kind"] == "k" else {"channels": width}
    return ModelConfig(match["family"], blocks).replace(**size, **overrides)


def create_model(name: str | ModelConfig, **overrides: Any) -> GoNet:
    """A freshly initialised GoNet for a model name (or a config), with ``overrides``."""
    if isinstance(name, ModelConfig):
        return GoNet(name.replace(**overrides))
    return GoNet(model_config(name, **overrides))


def model_names() -> list[str]:
    return list(PRESETS)


__all__ = ["ConfigError", "GoNet", "NetOutput", "PRESETS", "create_model", "model_config",
           "model_names"]
