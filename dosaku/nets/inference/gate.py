"""The accuracy gate: does a fast net say what the fp32 net says, and which fast net to use.

On held-out positions (not the calibration ones) both nets are run and compared:

- *top-1 agreement*: the fraction of positions where both put their highest prior on the same
  move; the search starts from the prior, so this is the first thing that must not move;
- *near top-1*: the fraction of positions where the fast net's top move is within
  ``NEAR_TOP1`` of fp32's best prior *by fp32's own priors*: a disagreement between two moves
  fp32 itself rates within a percentage point is a near-tie flipped by rounding, not a worse
  move (on the 9x9 r3 generation-21 net every int8 and bf16 disagreement was one; reported
  beside the strict figure, which alone is gated);
- *policy KL*: KL(p_fp32 || p_fast) in nats, averaged over positions: how much of the rest
  of the distribution moved;
- *value MAE*: mean |v_fp32 - v_fast|. KataGo users saw naive int8 shift win-rate
  estimates (KataGo issue #799); a value that moves moves every backup of the search.

A candidate (backend, precision) *passes* when top-1 >= ``GATE.top1``, value MAE <=
``GATE.value_mae`` and KL <= ``GATE.kl``. The :class:`GateRecord` of a model (JSON beside the
checkpoint, ``MODEL.gate.json``) keeps every candidate's figures and its positions/s per
batch size measured on one machine; ``auto`` takes the fastest candidate that passed, at the
batch size nearest the search's, and only if the record was measured on this machine (the
same CPU model, core count and library versions: a speed ranking does not travel).
"""

from __future__ import annotations

import json
import os
import platform
from dataclasses import asdict, dataclass, field
from os import PathLike
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class Gate:
    """Pass marks (the issue's targets)."""

    top1: float = 0.99
    """Least top-1 policy agreement with fp32."""
    value_mae: float = 0.02
    """Largest mean absolute value error."""
    kl: float = 0.02
    """Largest mean policy KL divergence from fp32, nats."""


GATE = Gate()
NEAR_TOP1 = 0.01
"""Prior (fp32's) within which the fast net's top move counts as a near-tie of fp32's."""


@dataclass(frozen=True)
class Agreement:
    """A fast net against fp32 on ``positions`` positions (NaN where a net has no such head)."""

    positions: int
    top1: float
    kl: float
    value_mae: float
    near_top1: float = float("nan")
    """Share of positions whose fast top move is within :data:`NEAR_TOP1` of fp32's best."""

    def passes(self, gate: Gate = GATE) -> bool:
        """True when every measured figure is within ``gate`` (NaN figures are not measured)."""
        return not (self.top1 < gate.top1 or self.kl > gate.kl or self.value_mae > gate.value_mae)


def log_softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def agreement(reference: tuple[np.ndarray | None, np.ndarray | None],
              candidate: tuple[np.ndarray | None, np.ndarray | None]) -> Agreement:
    """Compare (logits (B, n*n+1) or None, values (B,) or None) of fp32 and of a fast net."""
    (ref_logits, ref_values), (logits, values) = reference, candidate
    top1 = kl = mae = near = float("nan")
    count = 0
    if ref_logits is not None and logits is not None:
        count = len(ref_logits)
        best, chosen = ref_logits.argmax(axis=1), logits.argmax(axis=1)
        top1 = float(np.mean(best == chosen))
        p_log, q_log = log_softmax(ref_logits.astype(np.float64)), log_softmax(
            logits.astype(np.float64))
        kl = float(np.mean(np.sum(np.exp(p_log) * (p_log - q_log), axis=1)))
        rows = np.arange(count)
        prior = np.exp(p_log)
        near = float(np.mean(prior[rows, best] - prior[rows, chosen] <= NEAR_TOP1))
    if ref_values is not None and values is not None:
        count = len(ref_values)
        mae = float(np.mean(np.abs(ref_values.astype(np.float64) - values)))
    return Agreement(count, top1, kl, mae, near)


def machine() -> dict[str, str]:
    """What a speed ranking depends on: CPU model, cores, library versions."""
    import onnxruntime
    import torch
    cpu = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu, "cores": str(os.cpu_count()), "torch": torch.__version__,
            "onnxruntime": onnxruntime.__version__}


@dataclass
class Candidate:
    """One (backend, precision) of a model, as the gate measured it."""

    backend: str
    precision: str
    agreement: Agreement
    passed: bool
    speed: dict[int, float] = field(default_factory=dict)
    """Batch size -> positions/s, one thread."""
    note: str = ""
    """How it was made (e.g. 'post-training' or 'QAT, 200 steps')."""


@dataclass
class GateRecord:
    """Every candidate of one model on one machine (see the module docstring)."""

    model: str
    machine: dict[str, str]
    candidates: list[Candidate]
    held_out: str = ""
    """Where the held-out positions came from."""

    def fastest(self, batch: int, here: dict[str, str] | None = None) -> Candidate | None:
        """The fastest candidate that passed at the measured batch size nearest ``batch``;
        None if none passed or the record was measured on another machine than ``here``
        (default: this one)."""
        if self.machine != (here if here is not None else machine()):
            return None
        passed = [c for c in self.candidates if c.passed and c.speed]
        if not passed:
            return None
        sizes = sorted({b for c in passed for b in c.speed})
        nearest = min(sizes, key=lambda b: (abs(b - batch), b))
        return max(passed, key=lambda c: c.speed.get(nearest, 0.0))


def write_record(record: GateRecord, path: str | PathLike) -> Path:
    """Write ``record`` as JSON (atomically) and return the path."""
    path = Path(path)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(asdict(record), indent=1) + "\n")
    tmp.replace(path)
    return path


def read_record(path: str | PathLike) -> GateRecord:
    """A record written by :func:`write_record`; ValueError if it is not one."""
    try:
        data = json.loads(Path(path).read_text())
        candidates = [Candidate(c["backend"], c["precision"], Agreement(**c["agreement"]),
                                bool(c["passed"]), {int(b): float(s)
                                                    for b, s in c["speed"].items()},
                                c.get("note", ""))
                      for c in data["candidates"]]
        return GateRecord(data["model"], dict(data["machine"]), candidates,
                          data.get("held_out", ""))
    except (KeyError, TypeError, json.JSONDecodeError) as e:
        raise ValueError(f"{path}: not a dosaku gate record ({e!r})") from None
