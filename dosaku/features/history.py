"""A game's recent past, rebuilt from its record: earlier boards and the age of every stone.

:class:`~dosaku.rules.game.GameState` keeps the current stones and the list of moves, not
earlier boards (captures cannot be undone from the moves alone: which stones a move took is
not recorded). The features that look back (AlphaGo Zero's 8 positions, AlphaGo's "turns
since") therefore replay the moves from the set-up in numba, one ``place_stone`` per move
(:mod:`dosaku.features.moves`): O(length of the game), about a microsecond per 10 moves,
against the milliseconds a network spends on the position.

Terms:

- *position t - i*: the board ``i`` moves before the current one (``i = 0`` is now). Positions
  before the set-up do not exist; the planes for them are left empty (the AlphaGo Zero paper
  pads the history with zeros the same way).
- *age* of a stone: how many moves ago it was placed, 1 for the stone of the last move.
  Set-up stones (handicap, SGF ``AB``/``AW``) count as placed just before the first move.
"""

from __future__ import annotations

import itertools

import numpy as np
from numba import njit

from ..rules import board as kernels
from ..rules.game import GameState
from .moves import play_stone


def move_array(state: GameState) -> np.ndarray:
    """int32[m, 2]: the game's moves as (colour, move) rows, passes included."""
    m = len(state.moves)
    flat = np.fromiter(itertools.chain.from_iterable(state.moves), dtype=np.int32, count=2 * m)
    return flat.reshape(m, 2)


def setup_board(state: GameState) -> np.ndarray:
    """int8[n*n]: the stones the game started from (empty unless it had set-up stones)."""
    stones = np.zeros(state.size * state.size, dtype=np.int8)
    for color, point in state.setup_stones:
        stones[point] = color
    return stones


@njit(cache=True)
def replay_boards(setup, moves, nbr, zkeys, out):
    """Replay ``moves`` from the ``setup`` stones and write the last boards to ``out``.

    ``out`` is int8[k, n*n]; ``out[i]`` receives position t - i for ``i < k``. Returns how many
    positions existed (at most ``k``): moves + 1, counting the set-up. Rows past that are
    left untouched. The moves must be legal (they were, to be in a game record).
    """
    nn = setup.shape[0]
    stones = setup.copy()
    chain = np.zeros((4, nn), dtype=np.int32)
    ckey = np.zeros(nn, dtype=np.uint64)
    kernels.rebuild_chains(stones, chain, ckey, nbr, zkeys)
    captured = np.empty(nn, dtype=np.int32)
    m = moves.shape[0]
    keep = out.shape[0]
    if m < keep:
        out[m, :] = stones
    for i in range(m):
        p = moves[i, 1]
        if p < nn:
            play_stone(stones, chain, ckey, nbr, zkeys, p, moves[i, 0], captured)
        back = m - 1 - i  # this is position t - back
        if back < keep:
            out[back, :] = stones
    return min(m + 1, keep)


@njit(cache=True)
def stone_ages(stones, moves, out):
    """Fill ``out`` (int32[n*n]) with the age of the stone on each point, 0 where empty.

    The stone on an occupied point was placed by the last move played there (a stone appears
    only by a move on its point), or is a set-up stone if no move was played there.
    """
    m = moves.shape[0]
    nn = stones.shape[0]
    for p in range(nn):
        out[p] = m + 1 if stones[p] != 0 else 0
    for i in range(m - 1, -1, -1):
        p = moves[i, 1]
        if p < nn and stones[p] != 0 and out[p] == m + 1:
            out[p] = m - i
    return out


def recent_boards(state: GameState, k: int) -> tuple[np.ndarray, int]:
    """(int8[k, n*n] boards of positions t, t-1, ..., t-k+1, how many exist).

    Rows for positions before the set-up are zero.
    """
    boards = np.zeros((k, state.size * state.size), dtype=np.int8)
    if k == 1 or not state.moves:
        boards[0] = state.stones
        return boards, 1
    nbr, _, zkeys = kernels.geometry(state.size)
    count = replay_boards(setup_board(state), move_array(state), nbr, zkeys, boards)
    return boards, count
