"""NetEvaluator: feature planes + a network = the search's Evaluator.

The search (L3) asks for priors and values of a batch of positions and never sees a tensor;
this glue encodes the positions with the encoder the network was trained on (its checkpoint
names it), runs one batched forward pass under ``torch.inference_mode`` and hands back NumPy
arrays. As in AlphaGo Zero ("Search algorithm": each leaf is evaluated under a random one of
the 8 dihedral symmetries) the planes may be turned by a random symmetry, and the policy turned
back; or all 8 may be averaged (AlphaGo 2016's evaluation, at 8× the cost).

The forward pass runs on a *backend* (``torch`` or ``onnxruntime``) in a *precision* (``fp32``,
``bf16``, ``fp16``, ``int8``); both default to eager fp32 torch, and ``auto`` takes the
fastest combination that passed the accuracy gate for this model on this machine (``dosaku
quantize MODEL --check`` records it; see :mod:`dosaku.nets.inference`).
"""

from __future__ import annotations

from collections.abc import Sequence
from os import PathLike
from typing import Literal

import numpy as np
import torch

from dosaku.features import encoder_named
from dosaku.features.symmetry import inverse, transform_planes, transform_policy
from dosaku.nets import GoNet
from dosaku.nets.inference import open_runner
from dosaku.rules.game import GameState

Symmetry = Literal["none", "random", "average"]


class NetEvaluator:
    """Evaluator over a :class:`GoNet` (policy, value or dual head) on its board size.

    ``model`` is a net or a checkpoint path (a path lets ``auto`` and int8 use the files
    ``dosaku quantize`` keeps beside it). ``backend``: torch, onnxruntime or auto;
    ``precision``: fp32, bf16, fp16, int8 or auto; ``calibration``: planes int8 calibrates
    on (default: the checkpoint's ``.calibration.npz``); ``batch_size``: the batch the search
    sends, for ``auto``'s choice. Raises ValueError for a combination that cannot be built.
    """

    def __init__(self, model: GoNet | str | PathLike, symmetry: Symmetry = "random",
                 seed: int | None = None, device: str | torch.device = "cpu",
                 threads: int | None = 1, backend: str = "torch", precision: str = "fp32",
                 calibration: np.ndarray | None = None, batch_size: int = 8):
        if symmetry not in ("none", "random", "average"):
            raise ValueError(f"symmetry must be none, random or average, not {symmetry!r}")
        if threads is not None:
            torch.set_num_threads(threads)  # one per process: oversubscription is ruinous
        self.runner = open_runner(model, backend, precision, calibration=calibration,
                                  batch=batch_size, device=device, threads=threads)
        self.model = model if isinstance(model, GoNet) else None
        self.backend, self.precision = self.runner.backend, self.runner.precision
        self.device = torch.device(device)
        self.size = self.runner.config.board_size
        self.encoder = encoder_named(self.runner.config.encoder)
        self.symmetry = symmetry
        self.rng = np.random.default_rng(seed)
        self.positions = 0  # evaluated so far (for the search benchmark)

    def evaluate(self, states: Sequence[GameState]) -> tuple[np.ndarray, np.ndarray]:
        """(priors float32 (B, n*n+1), values float32 (B,)) from the side to move."""
        if any(s.size != self.size for s in states):
            raise ValueError(f"this network plays {self.size}x{self.size}, got sizes "
                             f"{sorted({s.size for s in states})}")
        b, n = len(states), self.size
        planes = np.empty((b, self.encoder.planes, n, n), dtype=np.float32)
        self.encoder.encode_batch(states, out=planes)
        if self.symmetry == "average":
            turns = range(8)
        elif self.symmetry == "random":
            turns = [int(self.rng.integers(8))]
        else:
            turns = [0]
        batch = np.concatenate([transform_planes(planes, k) for k in turns])  # (T*B, C, n, n)
        logits, values = self.forward(np.ascontiguousarray(batch))
        self.positions += len(batch)
        priors = np.zeros((b, n * n + 1), dtype=np.float64)
        for t, k in enumerate(turns):
            # the net saw the board turned by k: turn its policy back by the inverse
            priors += transform_policy(softmax(logits[t * b:(t + 1) * b]), inverse(k), n)
        values = values.reshape(len(turns), b).mean(axis=0)
        return (priors / len(turns)).astype(np.float32), values.astype(np.float32)

    def forward(self, batch: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Logits (B, n*n+1) and values (B,); uniform logits / zero values where the net's
        head does not give them."""
        return self.runner.run(batch)


def softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)
