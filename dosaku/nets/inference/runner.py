"""Runners: one interface over every backend and precision, planes in, logits and values out.

A runner takes a float32 NumPy batch of planes (B, C, n, n) and returns NumPy logits
(B, n*n+1) and values (B,); uniform logits or zero values where the net has no such head
(what the search's evaluator expects). :func:`open_runner` builds one from a net or a
checkpoint path, a backend (``torch``, ``onnxruntime`` or ``auto``) and a precision
(``fp32``, ``bf16``, ``fp16``, ``int8`` or ``auto``).

Files beside a checkpoint ``MODEL.safetensors`` (see :func:`sidecar`), written by ``dosaku
quantize`` and ``dosaku export``: ``MODEL.calibration.npz`` (planes int8 calibrates on),
``MODEL.gate.json`` (the :class:`~dosaku.nets.inference.gate.GateRecord`), and
``MODEL.fp32.onnx`` / ``MODEL.int8.onnx``. A missing ONNX file is exported on the spot, once:
into a cache folder (``$DOSAKU_CACHE/onnx``, default ``~/.cache/dosaku/onnx``) under a name
made from the checkpoint's bytes, the calibration planes and the library versions, so the next
player built from the same file (every game of a match) starts at once and an edited
checkpoint never meets a stale export; a missing calibration file makes int8 fail with a
message saying how to make one.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from os import PathLike
from pathlib import Path
from typing import Protocol

import numpy as np
import torch
from torch import nn

from ..checkpoint import load_model
from ..config import ModelConfig
from ..model import GoNet
from .gate import file_sha256, machine, read_record
from .onnx_runtime import ONNX_PRECISIONS, export_onnx, onnx_header, onnx_session
from .quantize import PRECISIONS, check_precision, quantize

BACKENDS = ("torch", "onnxruntime")


class Runner(Protocol):
    """Planes (B, C, n, n) float32 -> (logits (B, n*n+1), values (B,)), NumPy float32."""

    config: ModelConfig
    backend: str
    precision: str

    def run(self, batch: np.ndarray) -> tuple[np.ndarray, np.ndarray]: ...


def fill_missing(config: ModelConfig, b: int, logits: np.ndarray | None,
                 values: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    n = config.board_size * config.board_size + 1
    return (np.zeros((b, n), dtype=np.float32) if logits is None else logits,
            np.zeros(b, dtype=np.float32) if values is None else values.reshape(b))


class TorchRunner:
    """A GoNet or an :class:`~dosaku.nets.inference.quantize.InferenceNet` in eager torch."""

    backend = "torch"

    def __init__(self, net: nn.Module, device: str | torch.device = "cpu"):
        self.device = torch.device(device)
        self.net = net.to(self.device).eval()
        self.config: ModelConfig = net.config
        self.precision = getattr(net, "precision", "fp32")

    def run(self, batch: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        with torch.inference_mode():
            out = self.net(torch.from_numpy(batch).to(self.device))
        logits = None if out.policy is None else out.policy.float().cpu().numpy()
        values = None if out.value is None else out.value.float().cpu().numpy()
        return fill_missing(self.config, batch.shape[0], logits, values)


class OnnxRunner:
    """An exported file in an ONNX Runtime session."""

    backend = "onnxruntime"

    def __init__(self, path: str | PathLike, threads: int | None = 1):
        self.config, self.precision = onnx_header(path)
        self.session = onnx_session(path, threads)
        self.outputs = [o.name for o in self.session.get_outputs()]

    def run(self, batch: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        out = dict(zip(self.outputs, self.session.run(None, {"planes": batch}), strict=True))
        return fill_missing(self.config, batch.shape[0], out.get("policy"), out.get("value"))


def measure(runner: Runner, planes: np.ndarray, seconds: float) -> float:
    """Positions/s of ``runner`` on the batch ``planes``: one warm-up call, then calls for at
    least ``seconds`` (and one)."""
    batch = np.ascontiguousarray(planes, dtype=np.float32)
    runner.run(batch)
    calls, start = 0, time.perf_counter()
    while calls == 0 or time.perf_counter() - start < seconds:
        runner.run(batch)
        calls += 1
    return calls * len(batch) / (time.perf_counter() - start)


def sidecar(path: str | PathLike, kind: str) -> Path:
    """``runs/gen7.safetensors``, ``"gate.json"`` -> ``runs/gen7.gate.json``."""
    path = Path(path)
    return path.with_name(f"{path.name.removesuffix('.safetensors')}.{kind}")


def read_calibration(path: str | PathLike) -> np.ndarray:
    """Calibration planes (B, C, n, n) float32 saved by :func:`write_calibration`."""
    with np.load(path) as data:
        return data["planes"].astype(np.float32)


def write_calibration(planes: np.ndarray, path: str | PathLike) -> Path:
    """Save planes compactly (uint8 when every value is 0 or 1, else float16)."""
    compact = planes.astype(np.uint8) if np.isin(planes, (0, 1)).all() else \
        planes.astype(np.float16)
    np.savez_compressed(path, planes=compact)
    return Path(path)


def record_choice(path: Path | None, backend: str, precision: str,
                  batch: int) -> tuple[str, str] | None:
    """The fastest candidate that passed at ``batch`` in the model's gate record of this
    machine (restricted to the backend or precision given); None without a usable record (none,
    none passed, or measured elsewhere or on other weights)."""
    if path is None or not sidecar(path, "gate.json").is_file():
        return None
    record = read_record(sidecar(path, "gate.json"))  # this machine's, if any
    if record is None:
        return None
    record.candidates = [c for c in record.candidates
                         if backend in ("auto", c.backend) and precision in ("auto", c.precision)]
    best = record.fastest(batch, sha256=file_sha256(path) if record.model_sha256 else None)
    return None if best is None else (best.backend, best.precision)


def resolve_auto(path: Path | None, backend: str, precision: str,
                 batch: int) -> tuple[str, str]:
    """Fill in ``auto`` from the model's gate record (:func:`record_choice`); fp32 on torch
    when it has no usable one. (:func:`open_runner` then times torch against ONNX Runtime
    fp32 where ``auto`` backend is left to it: :func:`timed_fp32_backend`.)"""
    return record_choice(path, backend, precision, batch) or plain(backend, precision)


def plain(backend: str, precision: str) -> tuple[str, str]:
    """``auto`` with nothing measured: eager torch, fp32."""
    return ("torch" if backend == "auto" else backend,
            "fp32" if precision == "auto" else precision)


FP32_ONNX_TOLERANCE = 1e-3
"""Largest |difference| of logits or values for which an ONNX fp32 export counts as the same
net (the same arithmetic in another order differs by ~1e-5)."""


def timing_enabled() -> bool:
    """``DOSAKU_TIME_BACKENDS=0`` turns :func:`timed_fp32_backend` off (torch, no timing); the
    test suite does, so that which backend a test gets never depends on the machine."""
    return os.environ.get("DOSAKU_TIME_BACKENDS", "1") != "0"


def timed_fp32_backend(net: GoNet, path: Path, batch: int, threads: int | None) -> str:
    """``torch`` or ``onnxruntime``, whichever runs this checkpoint faster in fp32 at ``batch``
    on this machine, for ``auto`` where no gate record was made here: both compute the same
    fp32 net (checked here on random planes), so speed alone decides, as KataGo tunes its
    kernels on a machine's first run. Timed once (~1 s, plus the ONNX export) and remembered
    in ``$DOSAKU_CACHE/speed/`` under the checkpoint's digest and the machine; ONNX Runtime
    ran the 9x9 net 1.4-4.4x and the 19x19 policy net 1.0-1.7x as fast as eager torch on
    this project's two machine classes, but that need not hold everywhere."""
    digest = file_sha256(path)
    here = json.dumps(machine(), sort_keys=True)
    key = hashlib.sha256(f"{digest} {here} {batch} {threads}".encode()).hexdigest()[:24]
    remembered = onnx_cache().parent / "speed" / f"{path.stem}-{key}.json"
    try:
        return json.loads(remembered.read_text())["backend"]
    except (OSError, ValueError, KeyError):
        pass
    exported = cached_onnx(net, path, "fp32", None)
    if exported is None:
        return "torch"
    runners = {"torch": TorchRunner(net), "onnxruntime": OnnxRunner(exported, threads)}
    c, n = net.config.in_planes, net.config.board_size
    planes = (np.random.default_rng(0).random((batch, c, n, n)) < 0.3).astype(np.float32)
    outputs = [runner.run(planes) for runner in runners.values()]
    same = all(np.abs(a - b).max() <= FP32_ONNX_TOLERANCE for a, b in zip(*outputs, strict=True))
    speed = {name: measure(runner, planes, 0.3) for name, runner in runners.items()}
    fastest = "onnxruntime" if same and speed["onnxruntime"] > 1.05 * speed["torch"] else "torch"
    try:
        remembered.parent.mkdir(parents=True, exist_ok=True)
        tmp = remembered.with_name(f"{remembered.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"backend": fastest, "speed": speed, "same": same,
                                   "batch": batch, "machine": machine(), "model": str(path),
                                   "model_sha256": digest}, indent=1) + "\n")
        os.replace(tmp, remembered)
    except OSError:
        pass  # not remembered: timed again next time
    return fastest


def onnx_cache() -> Path:
    """The folder of ONNX exports made on the spot (``$DOSAKU_CACHE/onnx``)."""
    root = os.environ.get("DOSAKU_CACHE") or Path.home() / ".cache" / "dosaku"
    return Path(root) / "onnx"


def cached_onnx(net: GoNet, path: Path, precision: str,
                calibration: np.ndarray | None) -> Path | None:
    """The export of checkpoint ``path`` in ``precision`` from the cache, made there first if
    missing (written under a temporary name and renamed, so racing processes are safe).
    None if the cache folder cannot be written: the caller exports into a temporary one."""
    import onnxruntime

    key = hashlib.sha256(path.read_bytes())
    key.update(f"{precision} {torch.__version__} {onnxruntime.__version__}".encode())
    if precision == "int8" and calibration is not None:
        key.update(np.ascontiguousarray(calibration, dtype=np.float32).tobytes())
    target = onnx_cache() / f"{path.stem}-{precision}-{key.hexdigest()[:20]}.onnx"
    try:
        if target.is_file():
            os.utime(target)  # recently used: kept by the pruning below
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f"{target.stem}.{os.getpid()}.tmp")
        export_onnx(net.cpu(), tmp, precision, calibration)
        os.replace(tmp, target)
        prune_onnx_cache(target.parent)
    except OSError:
        return None
    return target


ONNX_CACHE_FILES = 32
"""Exports the cache keeps (the most recently used): a training run's every generation would
otherwise stay there."""


def prune_onnx_cache(folder: Path) -> None:
    files = sorted(folder.glob("*.onnx"), key=lambda f: f.stat().st_mtime, reverse=True)
    for old in files[ONNX_CACHE_FILES:]:
        old.unlink(missing_ok=True)


def open_runner(model: GoNet | str | PathLike, backend: str = "torch", precision: str = "fp32",
                calibration: np.ndarray | None = None, batch: int = 8,
                device: str | torch.device = "cpu", threads: int | None = 1) -> Runner:
    """A runner for ``model`` (a net, or a checkpoint path whose side files are used).

    ``auto`` (backend or precision) resolves through the gate record (:func:`resolve_auto`);
    ``batch`` is the batch size the caller will mostly run. int8 calibrates on
    ``calibration`` planes, else on ``MODEL.calibration.npz``. Raises ValueError for an
    unknown backend or precision, a combination ONNX does not support (bf16, fp16), or int8
    without calibration planes.
    """
    if backend not in BACKENDS + ("auto",):
        raise ValueError(f"backend must be torch, onnxruntime or auto, not {backend!r}")
    if precision != "auto":
        check_precision(precision)
    path = None if isinstance(model, nn.Module) else Path(model)
    choice = record_choice(path, backend, precision, batch)
    timed = (choice is None and backend == "auto" and precision in ("auto", "fp32")
             and path is not None and torch.device(device).type == "cpu" and timing_enabled())
    backend, precision = choice or plain(backend, precision)
    if backend == "onnxruntime" and precision not in ONNX_PRECISIONS:
        raise ValueError(f"onnxruntime runs {', '.join(ONNX_PRECISIONS)}, not {precision}; "
                         f"use backend=torch for {precision}")
    if backend == "onnxruntime" and path is not None and sidecar(path,
                                                                  f"{precision}.onnx").is_file():
        return OnnxRunner(sidecar(path, f"{precision}.onnx"), threads)
    net = model if path is None else load_model(path, device)
    given_calibration = calibration is not None
    if calibration is None and precision == "int8":
        if path is None or not sidecar(path, "calibration.npz").is_file():
            raise ValueError("int8 needs calibration positions: run `dosaku quantize MODEL` "
                             "(it saves MODEL.calibration.npz) or pass calibration planes")
        calibration = read_calibration(sidecar(path, "calibration.npz"))
    if threads is not None:
        torch.set_num_threads(threads)  # one per process: oversubscription is ruinous
    if timed:
        backend = timed_fp32_backend(net, path, batch, threads)
    if backend == "onnxruntime":
        # cached when the export depends on files only (calibration planes handed in, as
        # self-play's fresh ones each generation, would only fill the cache)
        cached = None if path is None or given_calibration else cached_onnx(
            net, path, precision, calibration)
        if cached is not None:
            return OnnxRunner(cached, threads)
        with tempfile.TemporaryDirectory() as tmp:
            exported = export_onnx(net.cpu(), Path(tmp) / "net.onnx", precision, calibration)
            return OnnxRunner(exported, threads)
    if precision == "fp32":
        return TorchRunner(net, device)
    planes = None if calibration is None else torch.from_numpy(
        np.ascontiguousarray(calibration, dtype=np.float32))
    return TorchRunner(quantize(net.cpu(), precision, planes), "cpu")


__all__ = ["BACKENDS", "PRECISIONS", "OnnxRunner", "Runner", "TorchRunner", "measure",
           "onnx_cache", "open_runner",
           "read_calibration", "sidecar", "write_calibration"]
