"""RandomAgent: uniformly random among the legal moves that do not fill one's own eye.

This is the usual light playout policy (Pachi, michi): never filling an eye, random games end,
because once every point left is illegal or an own eye the agent passes.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from dosaku.rules.board import is_eye
from dosaku.rules.game import GameState
from dosaku.rules.types import Move


@njit(cache=True)
def playable_points(mask, stones, nbr, diag, color, out):
    """Write the points legal in ``mask`` that are not ``color``'s eyes into ``out``.

    Returns how many were written; the pass (the last entry of ``mask``) is never one.
    """
    n = 0
    for p in range(stones.shape[0]):
        if mask[p] and not is_eye(stones, nbr, diag, p, color):
            out[n] = p
            n += 1
    return n


class RandomAgent:
    """Picks uniformly among legal non-eye-filling moves; passes when there is none.

    ``seed`` is anything ``numpy.random.default_rng`` accepts (None, an int, a Generator): the
    agent keeps its own Generator, so two agents with the same seed play the same moves.
    """

    name = "random"

    def __init__(self, seed: int | np.random.Generator | None = None):
        self.rng = np.random.default_rng(seed)

    def select_move(self, state: GameState) -> Move:
        """A random playable move for ``state.to_play``, or the pass; ``state`` is untouched."""
        color = state.to_play
        mask = state.legal_mask(color)
        out = np.empty(state.size * state.size, dtype=np.int32)
        n = playable_points(mask, state.stones, state.nbr, state.diag, color, out)
        if n == 0:
            return state.pass_move
        return int(out[self.rng.integers(n)])
