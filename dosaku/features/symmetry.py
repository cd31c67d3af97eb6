"""The eight symmetries of the square board (the dihedral group D4), for planes, policies,
moves and whole games.

A symmetry is an index ``k`` in ``0..7`` read as three bits, applied in this order:

- bit 2 (``k & 4``): transpose (row, col) -> (col, row);
- bit 0 (``k & 1``): flip top-bottom, row -> n - 1 - row;
- bit 1 (``k & 2``): flip left-right, col -> n - 1 - col.

``k = 0`` is the identity; ``k = 3`` is the half turn. The pass (``n * n``) is fixed by every
symmetry, so a policy vector of ``n * n + 1`` entries keeps its last entry in place.

AlphaGo and AlphaGo Zero both use these: to augment training data (Silver et al. 2016,
Methods "Supervised learning of policy networks"; 2017, "Self-play training pipeline") and
to evaluate a position under a random symmetry in the search.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from ..rules.game import GameState
from ..rules.types import BLACK, WHITE, Move

SYMMETRIES = 8


def check_symmetry(k: int) -> int:
    """``k`` if it names a symmetry (0..7), else ValueError."""
    if not 0 <= k < SYMMETRIES:
        raise ValueError(f"symmetry must be 0..7, got {k!r}")
    return k


def inverse(k: int) -> int:
    """The symmetry that undoes ``k``.

    Flips are their own inverses and commute with each other; with a transpose, undoing means
    flipping first, and a top-bottom flip before a transpose is a left-right flip after it.
    """
    check_symmetry(k)
    if k & 4:
        return 4 | ((k & 1) << 1) | ((k & 2) >> 1)
    return k


def transform_point(row: int, col: int, k: int, size: int) -> tuple[int, int]:
    """Where ``(row, col)`` goes under symmetry ``k`` on a ``size`` board."""
    if k & 4:
        row, col = col, row
    if k & 1:
        row = size - 1 - row
    if k & 2:
        col = size - 1 - col
    return row, col


def transform_move(move: Move, k: int, size: int) -> Move:
    """A flat move under symmetry ``k``; the pass stays the pass."""
    if move == size * size:
        return move
    row, col = transform_point(*divmod(move, size), k, size)
    return row * size + col


@cache
def move_map(k: int, size: int) -> np.ndarray:
    """int64[n*n + 1]: ``move_map(k, n)[m]`` is where move ``m`` goes (read-only)."""
    check_symmetry(k)
    mapping = np.array([transform_move(m, k, size) for m in range(size * size + 1)],
                       dtype=np.int64)
    mapping.setflags(write=False)
    return mapping


def transform_planes(planes: np.ndarray, k: int) -> np.ndarray:
    """Apply symmetry ``k`` to the last two (row, col) axes of ``planes`` (..., n, n).

    Returns a view where NumPy can (no copy); copy it before writing.
    """
    check_symmetry(k)
    if k & 4:
        planes = np.swapaxes(planes, -1, -2)
    if k & 1:
        planes = planes[..., ::-1, :]
    if k & 2:
        planes = planes[..., :, ::-1]
    return planes


def transform_policy(policy: np.ndarray, k: int, size: int) -> np.ndarray:
    """Apply symmetry ``k`` to policy vectors (..., n*n + 1): entry ``m`` moves to
    ``move_map(k, n)[m]``; the pass entry stays last. Returns a new array."""
    if policy.shape[-1] != size * size + 1:
        raise ValueError(f"a {size}x{size} policy has {size * size + 1} entries, "
                         f"got {policy.shape[-1]}")
    return policy[..., move_map(inverse(k), size)]  # out[image of m] = in[m]


def transform_state(state: GameState, k: int) -> GameState:
    """The same game played on the board turned by symmetry ``k``: set-up stones, moves
    (with their colours), side to move, komi and ruleset carried over."""
    n = state.size
    other = GameState(n, state.komi, state.ruleset)
    if state.setup_stones:
        other.setup(black=[transform_move(p, k, n) for c, p in state.setup_stones if c == BLACK],
                    white=[transform_move(p, k, n) for c, p in state.setup_stones if c == WHITE],
                    to_play=state.initial_to_play)
    other.to_play = state.initial_to_play
    for color, move in state.moves:
        other.play(transform_move(move, k, n), color)
    other.to_play = state.to_play
    return other
