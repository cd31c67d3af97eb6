"""``agz17``: the AlphaGo Zero input (Silver et al. 2017, "Neural network architecture").

Seventeen planes ``s_t = [X_t, Y_t, X_{t-1}, Y_{t-1}, ..., X_{t-7}, Y_{t-7}, C]``:

- ``X_{t-i}``: the stones of the player to move now, in position t - i;
- ``Y_{t-i}``: the opponent's stones in position t - i;
- ``C``: all ones if black is to move, all zeros if white is.

Positions before the start of the game (or its set-up) are all-zero planes, as in the paper.
The colours are fixed by who is to move *now*, so ``X`` is always "my stones".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numba import njit

from ..rules.game import GameState
from ..rules.types import BLACK
from .encoder import encode_each, plane_buffer
from .history import recent_boards


@njit(cache=True)
def history_planes(boards, count, color, black_to_play, out):
    """Write the planes from ``boards`` (int8[k, n*n], position t - i in row i; ``count`` of
    them exist) for the player ``color`` into ``out`` ((2k + 1, n, n), zeroed)."""
    k, nn = boards.shape
    n = out.shape[1]
    for i in range(count):
        for p in range(nn):
            v = boards[i, p]
            if v == color:
                out[2 * i, p // n, p % n] = 1
            elif v == -color:
                out[2 * i + 1, p // n, p % n] = 1
    if black_to_play:
        out[2 * k, :, :] = 1
    return out


@dataclass(frozen=True)
class HistoryEncoder:
    """Own and opponent stones over the last ``history`` positions, plus the side to move."""

    name: str = "agz17"
    """Registry name."""
    history: int = 8
    """Positions seen: the current one and ``history - 1`` before it (8 in the paper)."""

    @property
    def planes(self) -> int:
        return 2 * self.history + 1

    @property
    def plane_names(self) -> tuple[str, ...]:
        names = []
        for i in range(self.history):
            when = "t" if i == 0 else f"t-{i}"
            names += [f"own stones {when}", f"opponent stones {when}"]
        return (*names, "black to play")

    @staticmethod
    def current_stones(planes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(own, opponent) stones of the position now, from planes (..., C, n, n) this encoder
        made: the history is interleaved, so they are planes 0 and 1 (plane 2 is own stones
        one move back), and readers of stored planes should ask here, not index by hand."""
        return planes[..., 0, :, :], planes[..., 1, :, :]

    def encode(self, state: GameState, out: np.ndarray | None = None) -> np.ndarray:
        n = state.size
        out = plane_buffer(out, (self.planes, n, n))
        out[...] = 0
        boards, count = recent_boards(state, self.history)
        return history_planes(boards, count, state.to_play, state.to_play == BLACK, out)

    def encode_batch(self, states: Sequence[GameState],
                     out: np.ndarray | None = None) -> np.ndarray:
        return encode_each(self, states, out)
