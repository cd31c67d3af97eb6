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

from .choices import check_train_device, check_train_precision


def forward_arithmetic(precision: str, device_type: str = "cpu"
                       ) -> contextlib.AbstractContextManager:
    """The context a training forward pass runs in: bf16 autocast on ``device_type``
    (``cpu`` or ``cuda``), or nothing."""
    check_train_precision(precision)
    if precision == "bf16":
        return torch.autocast(device_type, dtype=torch.bfloat16)
    return contextlib.nullcontext()


def training_device(name: str) -> torch.device:
    """The device of :data:`.choices.TRAIN_DEVICES` ``name``; ValueError for ``cuda``
    without a GPU."""
    check_train_device(name)
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda" and not torch.cuda.is_available():
        raise ValueError("device is 'cuda' but torch sees no CUDA device")
    return torch.device(name)


def place_model(model: torch.nn.Module, device: torch.device) -> torch.nn.Module:
    """``model`` on ``device``; on a GPU in channels-last layout, the one cuDNN's tensor-core
    convolutions read without a transpose."""
    model.to(device)
    if device.type == "cuda":
        model.to(memory_format=torch.channels_last)
        torch.backends.cudnn.benchmark = True  # fixed shapes: time cuDNN's kernels once
    return model


def place_planes(planes: torch.Tensor, device: torch.device) -> torch.Tensor:
    """A batch of input planes (any dtype; uint8 from the loaders) as float32 on ``device``,
    copied while still compact and laid out like :func:`place_model`'s weights."""
    planes = planes.to(device, non_blocking=True).float()
    if device.type == "cuda":
        planes = planes.contiguous(memory_format=torch.channels_last)
    return planes
