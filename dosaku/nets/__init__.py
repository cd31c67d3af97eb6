"""Networks (L2: torch only; never imports rules or features: nets see tensors).

- :mod:`~dosaku.nets.config`: :class:`ModelConfig`, the typed description of a net.
- :mod:`~dosaku.nets.blocks`, :mod:`~dosaku.nets.backbones`, :mod:`~dosaku.nets.heads`:
  building blocks, the five backbones (resnet, mobilenet, densenet, transformer, alphago),
  the policy / value / dual heads and the auxiliary ownership head.
- :mod:`~dosaku.nets.model`: :class:`GoNet`, the registry and :func:`create_model`.
- :mod:`~dosaku.nets.checkpoint`: :func:`save_model` / :func:`load_model` (safetensors + JSON).
"""

from __future__ import annotations

from .checkpoint import CheckpointError, load_model, read_header, save_model
from .config import ConfigError, ModelConfig
from .model import PRESETS, GoNet, NetOutput, create_model, model_config, model_names

__all__ = ["PRESETS", "CheckpointError", "ConfigError", "GoNet", "ModelConfig", "NetOutput",
           "create_model", "load_model", "model_config", "model_names", "read_header",
           "save_model"]
