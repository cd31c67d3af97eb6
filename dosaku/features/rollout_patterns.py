"""Local shape codes for the rollout policy: 3×3 patterns and 12-point diamond patterns.

AlphaGo's rollout policy (Silver et al. 2016, Methods "Rollout policy" and Extended Data
Table 4) matches two kinds of shape, each described by "the colour of each adjacent location
and the liberty count (1, 2, >= 3)":

- a *3×3 pattern*: the eight points around a candidate move;
- a *12-point diamond pattern*: the points within Manhattan distance 2 of the previous move
  (its 4 neighbours, then the 8 at distance 2), together with which of them the candidate is.

Each point is in one of eight *states*, from the view of the player about to move:
``EMPTY 0, OFF 1 (off the board), OWN 2..4 and THEIRS 5..7`` for a chain of 1, 2 or >= 3
liberties. A pattern's code packs 3 bits per point; its *canonical* code is the least code
over the eight board symmetries (:mod:`dosaku.features.symmetry`), so a shape and its
rotations and reflections share one weight. Codes are hashed into a table of ``2 ** bits``
weights by Fibonacci hashing (Knuth's multiplicative hash): AlphaGo counted 69,338 3×3 and
32,207 diamond patterns in its data, so 2**16 and 2**15 buckets leave most shapes alone.
"""

from __future__ import annotations

from functools import cache

import numpy as np
from numba import njit

from ..rules.board import HEAD, LIBS
from .symmetry import SYMMETRIES, transform_point

EMPTY_STATE, OFF_STATE, OWN_STATE, THEIR_STATE = 0, 1, 2, 5

# The eight points around a centre, clockwise from the top-left.
RING = ((-1, -1), (-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1))
# The twelve points of the diamond: the four neighbours, then the eight at distance 2.
DIAMOND = ((-1, 0), (0, 1), (1, 0), (0, -1),
           (-2, 0), (-1, 1), (0, 2), (1, 1), (2, 0), (1, -1), (0, -2), (-1, -1))

FIBONACCI = np.uint64(0x9E3779B97F4A7C15)


def offset_permutations(offsets) -> np.ndarray:
    """int64[8, len(offsets)]: ``perm[k, i]`` is where offset ``i`` goes under symmetry ``k``.

    The symmetries act on offsets as on points of a 5×5 board centred on (2, 2).
    """
    index = {o: i for i, o in enumerate(offsets)}
    perm = np.empty((SYMMETRIES, len(offsets)), dtype=np.int64)
    for k in range(SYMMETRIES):
        for i, (dr, dc) in enumerate(offsets):
            r, c = transform_point(dr + 2, dc + 2, k, 5)
            perm[k, i] = index[(r - 2, c - 2)]
    return perm


RING_PERM = offset_permutations(RING)
DIAMOND_PERM = offset_permutations(DIAMOND)


@cache
def shape_geometry(n: int) -> tuple[np.ndarray, np.ndarray]:
    """(ring int32[n*n, 8], diamond int32[n*n, 12]): the points at each offset, -1 off the
    board; read-only, one pair per board size."""
    ring = np.full((n * n, 8), -1, dtype=np.int32)
    diamond = np.full((n * n, 12), -1, dtype=np.int32)
    for p in range(n * n):
        r, c = divmod(p, n)
        for table, offsets in ((ring, RING), (diamond, DIAMOND)):
            for i, (dr, dc) in enumerate(offsets):
                if 0 <= r + dr < n and 0 <= c + dc < n:
                    table[p, i] = (r + dr) * n + c + dc
    ring.setflags(write=False)
    diamond.setflags(write=False)
    return ring, diamond


@njit(cache=True, inline="always")
def point_state(stones, chain, q, color):
    """The state (0..7) of point ``q`` for the player ``color``; q < 0 is off the board."""
    if q < 0:
        return OFF_STATE
    v = stones[q]
    if v == 0:
        return EMPTY_STATE
    libs = min(chain[LIBS, chain[HEAD, q]], 3)
    return (OWN_STATE if v == color else THEIR_STATE) + libs - 1


@njit(cache=True, inline="always")
def other_side(state):
    """The same point seen by the other player: own and their chains swap."""
    if state >= THEIR_STATE:
        return state - 3
    if state >= OWN_STATE:
        return state + 3
    return state


@njit(cache=True, inline="always")
def gather_states(stones, chain, points, p, color, out):
    """States of the points ``points[p, :]`` (a ring or a diamond) for ``color`` into ``out``."""
    for i in range(out.shape[0]):
        out[i] = point_state(stones, chain, points[p, i], color)


@njit(cache=True, inline="always")
def canonical(states, perm, slot):
    """Least code over the symmetries of ``states`` (3 bits each), with the candidate's
    ``slot`` above them (-1: no slot, the 3×3 pattern)."""
    m = states.shape[0]
    best = np.int64(1) << 62
    for k in range(perm.shape[0]):
        code = perm[k, slot] << (3 * m) if slot >= 0 else np.int64(0)
        for i in range(m):
            code |= np.int64(states[i]) << (3 * perm[k, i])
        best = min(best, code)
    return best


@njit(cache=True, inline="always")
def oriented_codes(states, perm, out):
    """``out[k]``: the code of ``states`` under symmetry ``k`` (no slot), for
    :func:`canonical_at` to finish once per candidate slot."""
    for k in range(perm.shape[0]):
        code = np.int64(0)
        for i in range(states.shape[0]):
            code |= np.int64(states[i]) << (3 * perm[k, i])
        out[k] = code


@njit(cache=True, inline="always")
def canonical_at(codes, perm, slot, m):
    """:func:`canonical` of the ``m`` states behind ``codes`` with the candidate at ``slot``."""
    best = np.int64(1) << 62
    for k in range(perm.shape[0]):
        best = min(best, (perm[k, slot] << (3 * m)) | codes[k])
    return best


@njit(cache=True)
def ring_code(stones, chain, ring, p, color):
    """Canonical code of the 3×3 pattern around ``p`` (24 bits)."""
    states = np.empty(8, dtype=np.int64)
    gather_states(stones, chain, ring, p, color, states)
    return canonical(states, RING_PERM, -1)


@njit(cache=True)
def diamond_code(stones, chain, diamond, last, slot, color):
    """Canonical code of the diamond around ``last`` with the candidate at ``slot`` (40 bits)."""
    states = np.empty(12, dtype=np.int64)
    gather_states(stones, chain, diamond, last, color, states)
    return canonical(states, DIAMOND_PERM, slot)


@njit(cache=True, inline="always")
def bucket(code, bits):
    """Fibonacci hash of a canonical code into ``0 .. 2**bits - 1``."""
    return np.int64((np.uint64(code) * FIBONACCI) >> np.uint64(64 - bits))


@njit(cache=True, inline="always")
def ring_slot(n, centre, p):
    """Index of ``p`` in RING around ``centre`` (-1 if not adjacent, diagonals included)."""
    dr = p // n - centre // n
    dc = p % n - centre % n
    if dr < -1 or dr > 1 or dc < -1 or dc > 1 or (dr == 0 and dc == 0):
        return -1
    if dr == -1:
        return dc + 1
    if dr == 1:
        return 5 - dc
    return 3 if dc == 1 else 7


@njit(cache=True, inline="always")
def diamond_slot(n, centre, p):
    """Index of ``p`` in DIAMOND around ``centre`` (-1 if not within distance 1..2)."""
    dr = p // n - centre // n
    dc = p % n - centre % n
    d = abs(dr) + abs(dc)
    if d == 0 or d > 2:
        return -1
    if d == 1:
        return 0 if dr == -1 else (2 if dr == 1 else (1 if dc == 1 else 3))
    if dr == -2:
        return 4
    if dr == 2:
        return 8
    if dr == 0:
        return 6 if dc == 2 else 10
    if dr == -1:
        return 5 if dc == 1 else 11
    return 7 if dc == 1 else 9
