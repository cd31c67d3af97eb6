"""The run folder of a supervised AlphaGo stage: the whole state of a run, written atomically.

::

    RUN/config.json                          the resolved config (a re-run must match it)
    RUN/checkpoints/step00005000.safetensors the net (or rollout weights) after step 5000
    RUN/checkpoints/step00005000.optimizer.safetensors   its optimizer state (written first)
    RUN/model.safetensors                    a copy of the newest checkpoint, for ``dosaku eval``
    RUN/metrics.jsonl                        one line per validation (and the final report)
    RUN/tb/                                  TensorBoard scalars

Every file is written to ``NAME.tmp`` and renamed, so a kill leaves either the old file or
the new one. A checkpoint's model file is written last and marks it complete: resuming loads
the newest step whose model file exists. The optimizer state is safetensors (no pickle): each
tensor of ``optimizer.state_dict()`` under ``"{parameter index}.{name}"``, the rest JSON.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import time
from pathlib import Path
from typing import Any

import torch
from safetensors import safe_open
from safetensors.torch import save_file

from .config import RUNTIME_FIELDS, Config, from_json, to_json

STEP_FILE = re.compile(r"step(\d{8})\.safetensors")


class RunFolder:
    """Paths and bookkeeping of one run folder; ``published`` names the root copy."""

    def __init__(self, root: str | Path, published: str = "model.safetensors"):
        self.root = Path(root)
        self.checkpoints = self.root / "checkpoints"
        self.metrics = self.root / "metrics.jsonl"
        self.published = self.root / published

    def prepare(self, cfg: Config) -> None:
        """Create the folder, or check that it holds a run of the same config.

        Only :data:`.config.RUNTIME_FIELDS` may differ (``steps`` extends a run); any other
        field raises ValueError, so one folder never mixes two recipes.
        """
        self.checkpoints.mkdir(parents=True, exist_ok=True)
        saved = self.root / "config.json"
        if saved.exists():
            before = from_json(type(cfg), saved.read_text())
            runtime = {f: getattr(cfg, f) for f in RUNTIME_FIELDS if hasattr(cfg, f)}
            if dataclasses.replace(before, **runtime) != cfg:
                raise ValueError(f"{saved} holds a different config; use a new run folder, "
                                 f"or the same config (and flags) to resume (only "
                                 f"{', '.join(RUNTIME_FIELDS)} may change)")
        write_atomic(saved, to_json(cfg).encode())

    def model_path(self, step: int) -> Path:
        return self.checkpoints / f"step{step:08d}.safetensors"

    def optimizer_path(self, step: int) -> Path:
        return self.checkpoints / f"step{step:08d}.optimizer.safetensors"

    def steps(self) -> list[int]:
        """Steps with a complete checkpoint, ascending."""
        found = (STEP_FILE.fullmatch(p.name) for p in self.checkpoints.glob("step*"))
        return sorted(int(m[1]) for m in found if m)

    def latest_step(self) -> int:
        """The newest complete checkpoint's step; 0 if none."""
        return max(self.steps(), default=0)

    def finish_checkpoint(self, step: int, keep: int) -> None:
        """Publish ``step``'s model as ``RUN/model.safetensors`` and delete all but the
        newest ``keep`` checkpoints."""
        copy_atomic(self.model_path(step), self.published)
        for old in self.steps()[:-max(keep, 1)]:
            self.model_path(old).unlink(missing_ok=True)
            self.optimizer_path(old).unlink(missing_ok=True)

    def save_checkpoint(self, model, optimizer: torch.optim.Optimizer, step: int, keep: int,
                        provenance: dict[str, Any]) -> None:
        """Optimizer first, then the model (which marks the step complete), both atomic; then
        publish the model and keep the newest ``keep`` checkpoints."""
        from dosaku.nets import save_model

        save_optimizer(optimizer, self.optimizer_path(step))
        path = self.model_path(step)
        save_model(model, tmp_path(path), provenance)
        tmp_path(path).replace(path)
        self.finish_checkpoint(step, keep)

    def log(self, entry: dict[str, Any]) -> None:
        entry = {**entry, "time": round(time.time(), 1)}
        with open(self.metrics, "a") as f:
            f.write(json.dumps(entry) + "\n")
            f.flush()
            os.fsync(f.fileno())

    def entries(self) -> list[dict[str, Any]]:
        if not self.metrics.exists():
            return []
        return [json.loads(line) for line in self.metrics.read_text().splitlines() if line]


def write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def copy_atomic(source: Path, target: Path) -> None:
    tmp = target.with_name(target.name + ".tmp")
    shutil.copyfile(source, tmp)
    os.replace(tmp, target)


def tmp_path(path: Path) -> Path:
    """Where to write ``path`` before renaming it (keeps the suffix for libraries that care)."""
    return path.with_name(path.stem + ".tmp" + path.suffix)


def save_optimizer(optimizer: torch.optim.Optimizer, path: Path) -> None:
    """The optimizer's state as safetensors (tensors) + JSON (everything else), atomically."""
    state = optimizer.state_dict()
    tensors, scalars = {}, {}
    for index, values in state["state"].items():
        for name, value in values.items():
            if torch.is_tensor(value):
                tensors[f"{index}.{name}"] = value.detach().cpu().contiguous()
            else:
                scalars[f"{index}.{name}"] = value
    meta = {"optimizer": type(optimizer).__name__, "param_groups": state["param_groups"],
            "scalars": scalars}
    tmp = tmp_path(path)
    save_file(tensors, str(tmp), metadata={"dosaku": json.dumps(meta)})
    os.replace(tmp, path)


def load_optimizer(optimizer: torch.optim.Optimizer, path: Path) -> None:
    """Restore state written by :func:`save_optimizer`; ValueError if it is another optimizer
    or another net's."""
    with safe_open(str(path), framework="pt") as f:
        meta = json.loads((f.metadata() or {})["dosaku"])
        tensors = {name: f.get_tensor(name) for name in f.keys()}
    if meta["optimizer"] != type(optimizer).__name__:
        raise ValueError(f"{path}: state of {meta['optimizer']}, the run uses "
                         f"{type(optimizer).__name__}")
    state: dict[int, dict[str, Any]] = {}
    for key, value in [*tensors.items(), *meta["scalars"].items()]:
        index, name = key.split(".", 1)
        state.setdefault(int(index), {})[name] = value
    groups = [{k: tuple(v) if isinstance(v, list) and k != "params" else v  # JSON lists
               for k, v in group.items()} for group in meta["param_groups"]]
    try:
        optimizer.load_state_dict({"state": state, "param_groups": groups})
    except ValueError as e:
        raise ValueError(f"{path}: {e}") from None
