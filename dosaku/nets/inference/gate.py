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
checkpoint, ``MODEL.gate.json``, one record per machine) keeps every candidate's figures and
its positions/s per batch size; ``auto`` takes the fastest candidate that passed, at the batch
size nearest the search's, and only from the record measured on this machine (the same CPU
model, instruction sets, core count and library versions: a speed ranking does not travel)
and on these weights (the record keeps the checkpoint's SHA-256: a record left beside a file
that was since overwritten, retrained or replaced says nothing about the new bytes).
"""

from __future__ import annotations

import hashlib
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


SPEED_FLAGS = ("avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512_vnni", "avx512_bf16",
               "avx512_fp16", "avx_vnni", "amx_tile", "amx_int8", "amx_bf16")
"""CPU instruction sets the kernels' speed hinges on. Two machines with the same model name
can differ here (a cloud 'AMD EPYC' with or without AVX-512): measured on a 2-core one with
AVX2 only, bf16 ran at 0.6 positions/s where the record of one with AVX-512 BF16 said 135 (the
13 x 192 policy net, batch 1; fp32 there: 15), so a record that ignored them made the player
25x slower."""


def cpu_info(text: str | None = None) -> tuple[str, str]:
    """(model name, the :data:`SPEED_FLAGS` it has, space-separated) from ``text`` in the form
    of /proc/cpuinfo (default: that file)."""
    if text is None:
        try:
            text = Path("/proc/cpuinfo").read_text()
        except OSError:
            text = ""
    cpu, flags = "", set()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "model name" and not cpu:
            cpu = value.strip()
        elif key.strip() == "flags" and not flags:
            flags = set(value.split())
    return cpu or platform.processor(), " ".join(f for f in SPEED_FLAGS if f in flags)


def machine() -> dict[str, str]:
    """What a speed ranking depends on: CPU model and instruction sets, cores, library
    versions."""
    import onnxruntime
    import torch
    cpu, isa = cpu_info()
    return {"cpu": cpu, "isa": isa, "cores": str(os.cpu_count()), "torch": torch.__version__,
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
    model_sha256: str = ""
    """SHA-256 of the checkpoint measured ('' in records written before it was kept)."""

    def fastest(self, batch: int, here: dict[str, str] | None = None,
                sha256: str | None = None) -> Candidate | None:
        """The fastest candidate that passed at the measured batch size nearest ``batch``;
        None if none passed, the record was measured on another machine than ``here``
        (default: this one), or on other weights than those whose digest is ``sha256``
        (not checked when either digest is unknown)."""
        if self.machine != (here if here is not None else machine()):
            return None
        if sha256 and self.model_sha256 and sha256 != self.model_sha256:
            return None
        passed = [c for c in self.candidates if c.passed and c.speed]
        if not passed:
            return None
        sizes = sorted({b for c in passed for b in c.speed})
        nearest = min(sizes, key=lambda b: (abs(b - batch), b))
        return max(passed, key=lambda c: c.speed.get(nearest, 0.0))


def file_sha256(path: str | PathLike) -> str:
    """Hex SHA-256 of a file's bytes (what binds a gate record to one checkpoint)."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_record(record: GateRecord, path: str | PathLike) -> Path:
    """Add ``record`` to the gate file at ``path`` (atomically) and return the path. The file
    keeps one record per machine: this one replaces an earlier record of the same machine,
    and records of other weights (another ``model_sha256``) are dropped as stale."""
    path = Path(path)
    try:
        earlier = read_records(path) if path.is_file() else []
    except ValueError:  # not a gate file: replaced, so the new measurement is not lost
        earlier = []
    kept = [r for r in earlier
            if r.machine != record.machine
            and not (record.model_sha256 and r.model_sha256 != record.model_sha256)]
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps({"records": [asdict(r) for r in kept + [record]]}, indent=1)
                   + "\n")
    tmp.replace(path)
    return path


def read_records(path: str | PathLike) -> list[GateRecord]:
    """Every record of a gate file (one per machine; a file written before several were kept
    holds one); ValueError if it is not a gate file."""
    try:
        data = json.loads(Path(path).read_text())
        return [parse_record(r) for r in data["records"]] if "records" in data \
            else [parse_record(data)]
    except (KeyError, TypeError, AttributeError, json.JSONDecodeError) as e:
        raise ValueError(f"{path}: not a dosaku gate record ({e!r})") from None


def read_record(path: str | PathLike, here: dict[str, str] | None = None) -> GateRecord | None:
    """The record of a gate file measured on ``here`` (default: this machine), None if it
    holds none; ValueError if it is not a gate file."""
    here = here if here is not None else machine()
    return next((r for r in read_records(path) if r.machine == here), None)


def parse_record(data: dict) -> GateRecord:
    candidates = [Candidate(c["backend"], c["precision"], Agreement(**c["agreement"]),
                            bool(c["passed"]), {int(b): float(s) for b, s in c["speed"].items()},
                            c.get("note", ""))
                  for c in data["candidates"]]
    return GateRecord(data["model"], dict(data["machine"]), candidates,
                      data.get("held_out", ""), data.get("model_sha256", ""))
