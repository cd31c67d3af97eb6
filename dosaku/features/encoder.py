"""What a feature encoder is: GameState -> planes (C, n, n), one at a time or in batches.

An *encoder* turns a position into the stack of binary planes a network reads. Every encoder
has a ``name`` (stored in checkpoints, so a net is always fed what it was trained on), a
number of ``planes`` with a ``plane_names`` entry each, and two methods:

- ``encode(state, out=None)``: planes of one position from the view of the side to move;
- ``encode_batch(states, out=None)``: (B, C, n, n) for positions of one board size.

Output arrays are uint8 by default (every plane is 0/1; a training shard stays small). Pass
``out`` of dtype uint8 or float32 to write straight into a buffer, e.g. one row of a batch
that goes to the network. Encoders hold no state between calls; they are frozen dataclasses.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np

from ..rules.game import GameState

PLANE_DTYPES = (np.uint8, np.float32)


@runtime_checkable
class Encoder(Protocol):
    name: str
    """Registry name, e.g. ``"agz17"``; saved in checkpoints."""

    @property
    def planes(self) -> int:
        """Number of planes C."""

    @property
    def plane_names(self) -> tuple[str, ...]:
        """One short description per plane, in order."""

    def encode(self, state: GameState, out: np.ndarray | None = None) -> np.ndarray:
        """(C, n, n) planes of ``state`` for the side to move; ``out`` if given."""

    def encode_batch(self, states: Sequence[GameState],
                     out: np.ndarray | None = None) -> np.ndarray:
        """(B, C, n, n) planes of same-size ``states``; ``out`` if given."""


def plane_buffer(out: np.ndarray | None, shape: tuple[int, ...]) -> np.ndarray:
    """``out`` checked against ``shape`` and the plane dtypes, or a new zeroed uint8 array.

    Raises ValueError naming the expected shape or dtype.
    """
    if out is None:
        return np.zeros(shape, dtype=np.uint8)
    if out.shape != shape:
        raise ValueError(f"out has shape {out.shape}, expected {shape}")
    if out.dtype not in PLANE_DTYPES:
        raise ValueError(f"out has dtype {out.dtype}, expected uint8 or float32")
    if not out.flags.c_contiguous:
        raise ValueError("out must be C-contiguous")
    return out


def encode_each(encoder: Encoder, states: Sequence[GameState],
                out: np.ndarray | None) -> np.ndarray:
    """The batch as a loop over ``encoder.encode``: each call is one numba kernel, so the
    Python overhead per position is a few microseconds. Raises ValueError on mixed sizes."""
    if not states:
        raise ValueError("encode_batch needs at least one state")
    n = states[0].size
    if any(s.size != n for s in states):
        raise ValueError(f"states of several board sizes: {sorted({s.size for s in states})}")
    out = plane_buffer(out, (len(states), encoder.planes, n, n))
    for i, state in enumerate(states):
        encoder.encode(state, out[i])
    return out
