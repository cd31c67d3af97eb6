"""Checkpoints that describe themselves: safetensors weights with a JSON header inside.

One file, ``*.safetensors``. Its header's ``__metadata__`` holds one key, ``"dosaku"``, whose
value is JSON::

    {"format": "dosaku-model", "format_version": 1,
     "model": {...ModelConfig fields...}, "encoder": "agz17", "board_size": 19,
     "provenance": {"dosaku_version": "0.1.0", "saved_at": "...", ...whatever training adds}}

Loading never executes code from the file (safetensors holds bare tensors; there is no
pickle anywhere). :func:`load_model` is the one way back: it rebuilds the net from the
header alone and raises :class:`CheckpointError` naming the field that does not fit: a
newer ``format_version``, an unknown ``encoder``, a ``model.<field>`` this version cannot
build, or a ``weights['name']`` tensor whose shape the config does not produce.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from os import PathLike
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save_file

import dosaku

from .config import ENCODER_PLANES, ConfigError, ModelConfig
from .model import GoNet

FORMAT = "dosaku-model"
FORMAT_VERSION = 1
METADATA_KEY = "dosaku"


class CheckpointError(ValueError):
    """A checkpoint that cannot be loaded; ``field`` names what does not fit, ``path`` the file."""

    def __init__(self, path: str | PathLike, field: str, message: str):
        self.path = Path(path)
        self.field = field
        super().__init__(f"{path}: {field}: {message}")


def save_model(model: GoNet, path: str | PathLike, provenance: dict[str, Any] | None = None,
               ) -> Path:
    """Write ``model`` (weights and config) to ``path``; returns the path.

    ``provenance`` is any JSON-serialisable record of where the weights came from (run
    directory, steps, data, parent checkpoint); the dosaku version and time are added.
    """
    header = {
        "format": FORMAT, "format_version": FORMAT_VERSION,
        "model": model.config.to_dict(), "encoder": model.config.encoder,
        "board_size": model.config.board_size,
        "provenance": {"dosaku_version": dosaku.__version__,
                       "saved_at": datetime.now(UTC).isoformat(timespec="seconds"),
                       **(provenance or {})},
    }
    tensors = {k: v.detach().to("cpu").contiguous() for k, v in model.state_dict().items()}
    save_file(tensors, str(path), metadata={METADATA_KEY: json.dumps(header)})
    return Path(path)


def read_header(path: str | PathLike) -> dict[str, Any]:
    """The JSON header of a checkpoint, checked for format and version (not the weights)."""
    try:
        with safe_open(str(path), framework="pt") as f:
            metadata = f.metadata() or {}
    except (SafetensorError, OSError) as e:
        raise CheckpointError(path, "file", f"not a safetensors file ({e})") from None
    if METADATA_KEY not in metadata:
        raise CheckpointError(path, "format", "no dosaku header: not a dosaku checkpoint")
    try:
        header = json.loads(metadata[METADATA_KEY])
    except json.JSONDecodeError as e:
        raise CheckpointError(path, "header", f"not JSON ({e})") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise CheckpointError(path, "format", f"expected {FORMAT!r}")
    version = header.get("format_version")
    if not isinstance(version, int):
        raise CheckpointError(path, "format_version", f"missing or not an integer: {version!r}")
    if version > FORMAT_VERSION:
        raise CheckpointError(path, "format_version",
                              f"{version} is newer than this dosaku reads ({FORMAT_VERSION}); "
                              f"upgrade dosaku to load it")
    return header


def checkpoint_config(path: str | PathLike, header: dict[str, Any]) -> ModelConfig:
    """The ModelConfig a header describes, cross-checked with its encoder and board size."""
    encoder = header.get("encoder")
    if encoder not in ENCODER_PLANES:
        raise CheckpointError(path, "encoder", f"unknown feature encoder {encoder!r}; "
                                               f"known: {', '.join(ENCODER_PLANES)}")
    try:
        config = ModelConfig.from_dict(header.get("model", {}))
    except ConfigError as e:
        raise CheckpointError(path, f"model.{e.field}", str(e).split(": ", 1)[1]) from None
    except TypeError as e:
        raise CheckpointError(path, "model", str(e)) from None
    for name in ("encoder", "board_size"):
        if header.get(name) != getattr(config, name):
            raise CheckpointError(path, name, f"{header.get(name)!r} disagrees with "
                                              f"model.{name} = {getattr(config, name)!r}")
    return config


def load_model(path: str | PathLike, device: str | torch.device = "cpu") -> GoNet:
    """Rebuild the net saved at ``path``, in eval mode, on ``device``.

    Raises CheckpointError naming the field that does not fit (see the module docstring).
    """
    header = read_header(path)
    model = GoNet(checkpoint_config(path, header))
    expected = model.state_dict()
    with safe_open(str(path), framework="pt", device=str(device)) as f:
        names = set(f.keys())
        missing, unexpected = sorted(set(expected) - names), sorted(names - set(expected))
        if missing or unexpected:
            raise CheckpointError(path, "weights", f"the config builds a different net: "
                                                   f"missing {missing[:5]}, "
                                                   f"unexpected {unexpected[:5]}")
        weights = {}
        for name in expected:
            tensor = f.get_tensor(name)
            if tensor.shape != expected[name].shape:
                raise CheckpointError(path, f"weights[{name!r}]",
                                      f"shape {tuple(tensor.shape)} in the file, "
                                      f"{tuple(expected[name].shape)} from the config")
            weights[name] = tensor
    model.load_state_dict(weights)
    return model.to(device).eval()
