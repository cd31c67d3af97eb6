"""What a net costs: parameters, multiply-adds per position, positions per second on the CPU.

Multiply-adds are counted by ``torch.utils.flop_counter`` on a batch of one (a multiply-add
is two of its flops) and cover convolutions, matrix products and attention; element-wise
work (batch norm, ReLU, additions) is not counted, as is usual. PyTorch has no formula for
the CPU kernel of ``scaled_dot_product_attention``, so the standard attention formula is
registered for it here (for this count only).

Speed is measured with ``torch.inference_mode`` in fp32 on whatever threads torch is set to
use (the callers set one), after one warm-up batch, for at least ``seconds`` and one batch.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TextIO

import torch
from torch.utils import flop_counter

from .model import GoNet, create_model


def _cpu_attention_flops(query_shape, key_shape, value_shape, *args, out_shape=None,
                         **kwargs) -> int:
    return flop_counter.sdpa_flop_count(query_shape, key_shape, value_shape)


EXTRA_FLOP_FORMULAS = {
    torch.ops.aten._scaled_dot_product_flash_attention_for_cpu: _cpu_attention_flops,
}


def parameter_count(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def multiply_adds(model: GoNet) -> int:
    """Multiply-adds of one forward pass on one position."""
    n, c = model.config.board_size, model.config.in_planes
    x = torch.zeros(1, c, n, n)
    was_training = model.training
    model.eval()
    with flop_counter.FlopCounterMode(display=False,
                                      custom_mapping=EXTRA_FLOP_FORMULAS) as counter:
        with torch.inference_mode():
            model(x)
    model.train(was_training)
    return counter.get_total_flops() // 2


def positions_per_second(model: torch.nn.Module, x: torch.Tensor, seconds: float) -> float:
    """Forward passes of the batch ``x`` for at least ``seconds`` (and one pass), after one
    warm-up pass; returns positions (batch rows) per second."""
    model.eval()
    with torch.inference_mode():
        model(x)
        passes, start = 0, time.perf_counter()
        while passes == 0 or time.perf_counter() - start < seconds:
            model(x)
            passes += 1
        elapsed = time.perf_counter() - start
    return passes * x.shape[0] / elapsed


@dataclass(frozen=True)
class NetCost:
    """One model on one board size."""

    name: str
    board_size: int
    parameters: int
    multiply_adds: int
    """Per position."""
    speed: dict[int, float]
    """Batch size -> positions per second (empty if not measured)."""


def net_cost(name: str, board_size: int, batches: tuple[int, ...] = (1, 64),
             seconds: float = 0.5) -> NetCost:
    """Build ``name`` on ``board_size`` (random weights) and measure it."""
    torch.manual_seed(0)
    model = create_model(name, board_size=board_size)
    c = model.config.in_planes
    speed = {b: positions_per_second(model, torch.rand(b, c, board_size, board_size), seconds)
             for b in batches}
    return NetCost(name, board_size, parameter_count(model), multiply_adds(model), speed)


def human(count: float) -> str:
    """1234567 -> '1.23M'."""
    for unit, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if count >= scale:
            return f"{count / scale:.3g}{unit}"
    return f"{count:.3g}"


def models_table(names: list[str], sizes: tuple[int, ...], batches: tuple[int, ...],
                 seconds: float, progress: TextIO | None = None) -> str:
    """A markdown table: one row per model; parameters (on the largest size), multiply-adds
    per position and positions/s per board size and batch. ``progress`` gets a line per
    model measured."""
    head = ["model", f"params {sizes[-1]}x{sizes[-1]}"] + [f"MACs/pos {n}x{n}" for n in sizes]
    head += [f"pos/s {n}x{n} b{b}" for n in sizes for b in batches]
    rows = []
    for name in names:
        costs = [net_cost(name, n, batches, seconds) for n in sizes]
        row = [f"`{name}`", human(costs[-1].parameters)]
        row += [human(c.multiply_adds) for c in costs]
        row += [f"{c.speed[b]:,.0f}" for c in costs for b in batches]
        rows.append(row)
        if progress is not None:
            print(f"  measured {name}", file=progress)
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])
