"""The names a training config may give its arithmetic and device, checked without torch.

A config is read (and a bad field refused) by commands that never train: ``dosaku --help``,
``dosaku zero plot``, a GTP engine's start. Keeping these checks apart from
:mod:`.arithmetic`, which needs torch, keeps torch's import (about a second) off those paths.
"""

from __future__ import annotations

TRAIN_PRECISIONS = ("fp32", "bf16")
"""Arithmetics a training step may use."""

TRAIN_DEVICES = ("auto", "cpu", "cuda")
"""Where a training step may run; ``auto`` is CUDA when torch sees a GPU, else the CPU."""


def check_train_precision(precision: str, field: str = "train_precision") -> None:
    """Raises ValueError naming ``field`` unless ``precision`` is one of
    :data:`TRAIN_PRECISIONS`."""
    if precision not in TRAIN_PRECISIONS:
        raise ValueError(f"{field} must be one of {', '.join(TRAIN_PRECISIONS)}, "
                         f"got {precision!r}")


def check_train_device(name: str) -> None:
    """Raises ValueError unless ``name`` is one of :data:`TRAIN_DEVICES` (whether this
    machine has the device is :func:`training_device`'s question)."""
    if name not in TRAIN_DEVICES:
        raise ValueError(f"device must be one of {', '.join(TRAIN_DEVICES)}, got {name!r}")
