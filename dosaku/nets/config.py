"""ModelConfig: everything needed to rebuild a network, and nothing else.

A config names a *family* (the backbone), its depth (``blocks``) and width (``channels``), a
*head* (``policy``, ``value`` or ``dual``, optionally with an auxiliary ``ownership`` head), the
board size and the feature encoder whose planes the net reads. Checkpoints store it as JSON,
so :func:`dosaku.nets.load_model` needs nothing but the file.

The networks layer never imports :mod:`dosaku.features` (nets see tensors only), so the plane
count of each encoder is written down here as well; ``tests/nets`` checks that this table
matches the features registry.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

FAMILIES = ("resnet", "mobilenet", "densenet", "transformer", "alphago")
HEADS = ("policy", "value", "dual")
ENCODER_PLANES = {"agz17": 17, "alphago48": 48, "alphago49": 49}
MIN_BOARD, MAX_BOARD = 2, 25


class ConfigError(ValueError):
    """A config (or checkpoint header) that cannot be used; ``field`` names the culprit."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(f"{field}: {message}")


@dataclass(frozen=True)
class ModelConfig:
    """A network: backbone family and size, head, board size and input encoder."""

    family: str = "resnet"
    """Backbone: resnet, mobilenet, densenet, transformer or alphago."""
    blocks: int = 6
    """Residual / inverted-residual / transformer blocks; dense blocks for densenet; for
    alphago the number of weight layers of the policy net (13 in the paper)."""
    channels: int = 64
    """Width of the trunk: filters (k = 192 in AlphaGo), or the transformer's model width."""
    head: str = "dual"
    """policy (logits over n*n + 1 moves), value (tanh in [-1, 1]) or dual (both)."""
    board_size: int = 19
    """Board side n; the heads' fully connected layers depend on it."""
    encoder: str = "agz17"
    """Feature encoder the net reads (agz17, alphago48, alphago49): fixes the input planes."""
    se_ratio: int = 0
    """resnet: squeeze-and-excitation with channels // se_ratio hidden units; 0 for none."""
    global_pool: bool = False
    """resnet: each block adds a per-channel bias computed from the board's mean and max
    (KataGo's global pooling), so local shapes can see whole-board facts."""
    expansion: int = 4
    """mobilenet: inverted-residual expansion factor t (hidden width t * channels)."""
    growth: int = 32
    """densenet: growth rate k, the channels each dense layer adds."""
    dense_layers: int = 4
    """densenet: BN-ReLU-Conv3x3 layers per dense block."""
    attention_heads: int = 4
    """transformer: attention heads per block (channels must divide by it)."""
    mlp_ratio: int = 4
    """transformer: hidden width of each block's MLP, as a multiple of channels."""
    policy_channels: int = 2
    """Policy head: filters of its 1x1 convolution (2 in AlphaGo Zero)."""
    value_channels: int = 1
    """Value head: filters of its 1x1 convolution (1 in AlphaGo Zero)."""
    value_hidden: int = 256
    """Value head: units of its hidden fully connected layer (256 in both papers)."""
    ownership: bool = False
    """Add KataGo's auxiliary ownership head (Wu 2019, section 4.1): who owns each point at
    the game's end, a training target only (``GoNet.forward_with_ownership``); ``forward``,
    search and export ignore it. Dual-headed non-alphago nets only."""

    def __post_init__(self) -> None:
        self.check()

    @property
    def in_planes(self) -> int:
        """Input planes C, from the encoder."""
        return ENCODER_PLANES[self.encoder]

    def check(self) -> None:
        """Raise ConfigError naming the first field that cannot be built."""
        choices = {"family": FAMILIES, "head": HEADS, "encoder": tuple(ENCODER_PLANES)}
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise ConfigError(name, f"unknown {name} {getattr(self, name)!r}; "
                                        f"known: {', '.join(allowed)}")
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.type in ("int", "bool", "str") and type(value).__name__ != f.type:
                raise ConfigError(f.name, f"must be {f.type}, got {value!r}")
        if not MIN_BOARD <= self.board_size <= MAX_BOARD:
            raise ConfigError("board_size", f"must be {MIN_BOARD}..{MAX_BOARD}, "
                                            f"got {self.board_size}")
        positive = ("blocks", "channels", "expansion", "growth", "dense_layers",
                    "attention_heads", "mlp_ratio", "policy_channels", "value_channels",
                    "value_hidden")
        for name in positive:
            if getattr(self, name) < 1:
                raise ConfigError(name, f"must be at least 1, got {getattr(self, name)}")
        if self.se_ratio < 0:
            raise ConfigError("se_ratio", f"must be 0 (off) or positive, got {self.se_ratio}")
        if self.family == "transformer" and self.channels % self.attention_heads:
            raise ConfigError("attention_heads", f"{self.attention_heads} heads do not "
                                                 f"divide {self.channels} channels")
        if self.family == "alphago" and self.blocks < 2:
            raise ConfigError("blocks", "an alphago net has at least 2 layers")
        if self.ownership and (self.family == "alphago" or self.head != "dual"):
            raise ConfigError("ownership", f"the ownership head needs a dual head on a "
                                           f"non-alphago family, not {self.family} with "
                                           f"head {self.head!r}")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelConfig:
        """Rebuild from :meth:`to_dict`; ConfigError naming an unknown or invalid field.

        Fields missing from ``data`` take their defaults (older checkpoints stay readable).
        """
        known = {f.name for f in dataclasses.fields(cls)}
        for name in data:
            if name not in known:
                raise ConfigError(name, "unknown model config field")
        return cls(**data)

    def replace(self, **overrides: Any) -> ModelConfig:
        """A copy with ``overrides``; ConfigError naming an unknown field."""
        return ModelConfig.from_dict({**self.to_dict(), **overrides})
