"""The arithmetic of a training step's forward and backward passes: fp32 or bf16 autocast.

Mixed-precision training (Micikevicius et al. 2018) runs the convolutions and matrix products
of the forward pass, and so of the backward pass, in a 16-bit format while the master weights,
the optimizer state and the loss stay fp32. bfloat16 keeps fp32's 8-bit exponent, so unlike
fp16 it needs no loss scaling; CPUs with AMX or AVX-512 BF16 units multiply it at several times
fp32's rate. Measured on this project's nets, one thread (``benchmarks/train_precision.py``):
1.9x the positions/s for the 9x9 Zero net, 2.3-3.7x for the 19x19 AlphaGo policy nets, with
a gradient at cosine 0.98-0.9999 to fp32's; trained on the same batches, the Zero net's
held-out losses land within 0.0005 of fp32's.

The loss is always computed in fp32 from the net's outputs (``.float()``): a log-softmax over
362 moves in bf16's 8-bit mantissa would round the small probabilities the cross-entropy
reads.
"""

from __future__ import annotations

import contextlib

import torch

TRAIN_PRECISIONS = ("fp32", "bf16")
"""Arithmetics a training step may use."""


def check_train_precision(precision: str, field: str = "train_precision") -> None:
    """Raises ValueError naming ``field`` unless ``precision`` is one of
    :data:`TRAIN_PRECISIONS`."""
    if precision not in TRAIN_PRECISIONS:
        raise ValueError(f"{field} must be one of {', '.join(TRAIN_PRECISIONS)}, "
                         f"got {precision!r}")


def forward_arithmetic(precision: str) -> contextlib.AbstractContextManager:
    """The context a training forward pass runs in: bf16 autocast on the CPU, or nothing."""
    check_train_precision(precision)
    if precision == "bf16":
        return torch.autocast("cpu", dtype=torch.bfloat16)
    return contextlib.nullcontext()
