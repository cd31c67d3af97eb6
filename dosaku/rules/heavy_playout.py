"""Heavy playouts: random games steered by the cheap tactical rules of MoGo, Pachi and michi.

A light playout (:mod:`dosaku.rules.playout`) plays any legal move that does not fill the
mover's own eye. A *heavy* playout first looks at the last move, as MoGo did (Gelly et al. 2006,
"Modification of UCT with patterns in Monte-Carlo Go") and Pachi's and michi's playouts do:

1. *atari* (probability ``CAPTURE_P``): a chain in atari at or around the last move is dealt
   with: capture it if it is the opponent's; if it is the mover's, capture an opponent chain in
   atari next to it, or extend on its liberty when that gives it two liberties or more;
2. *pattern* (``PATTERN_P``): an empty point around the last move that is the centre of a MoGo
   3×3 pattern (:mod:`dosaku.rules.patterns`);
3. *random*: a uniformly random legal point that is not the mover's own eye.

Candidates of 1 and 2 are tried from a random start. A move that would leave a chain of two or
more stones in atari (*self-atari*) is turned down with probability ``SELF_ATARI_P_SUGGESTED``
for 1 and 2 and ``SELF_ATARI_P_RANDOM`` for 3 (lower, so nakade throw-ins still happen; a
lone stone is never a self-atari here). The probabilities are michi's. Unlike michi, a
self-atari of more than ``NAKADE_MAX`` stones (no nakade shape is bigger) is always refused: at
one half, a playout that fills a living group's eye space would throw the group away in half
the games, and its owner's stones would look dead to the search. Simple ko and suicide
are checked; superko is not (as in every playout). Moves at points first played here are
recorded for AMAF (the all-moves-as-first heuristic of the search).

The policy knobs travel as one float64 array indexed by the constants below, so the search
can tune them without recompiling.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .board import HEAD, LIBS, NEXT, SIZE, first_visit, is_eye, place_stone
from .patterns import matches_pattern
from .playout import breathes, rand_below

CAPTURE_P, PATTERN_P, SELF_ATARI_P_SUGGESTED, SELF_ATARI_P_RANDOM = 0, 1, 2, 3
N_POLICY = 4
NAKADE_MAX = 5  # a self-atari chain larger than this is never a useful sacrifice: always refused


def default_policy() -> np.ndarray:
    """michi's probabilities (Baudiš 2015): capture 0.9, pattern 0.95, self-atari 0.9 / 0.5."""
    policy = np.zeros(N_POLICY)
    policy[CAPTURE_P] = 0.9
    policy[PATTERN_P] = 0.95
    policy[SELF_ATARI_P_SUGGESTED] = 0.9
    policy[SELF_ATARI_P_RANDOM] = 0.5
    return policy


@njit(cache=True, inline="always")
def rand_unit(rng):
    """Uniform float in [0, 1)."""
    return rand_below(rng, 16777216) / 16777216.0


@njit(cache=True, inline="always")
def a_liberty(stones, chain, nbr, h):
    """Some liberty of the chain with head ``h`` (its only one if it is in atari); -1 if none."""
    s = h
    while True:
        for k in range(4):
            q = nbr[s, k]
            if q >= 0 and stones[q] == 0:
                return q
        s = chain[NEXT, s]
        if s == h:
            return -1


@njit(cache=True, inline="always")
def add_point(buf, n, q):
    for i in range(n):
        if buf[i] == q:
            return n
    buf[n] = q
    return n + 1


@njit(cache=True, inline="always")
def liberties_after(stones, chain, nbr, p, color, cap, buf):
    """Liberties of ``color``'s chain through empty ``p`` once ``color`` plays there, counted
    up to ``cap`` (any capture counts as ``cap``). ``buf`` is int32 scratch of length >= cap + 4.
    """
    n = 0
    for k in range(4):
        q = nbr[p, k]
        if q < 0:
            continue
        v = stones[q]
        if v == 0:
            n = add_point(buf, n, q)
        else:
            libs = chain[LIBS, chain[HEAD, q]]
            if v != color and libs == 1:
                return cap  # a capture: the captured points become liberties
            if v == color and libs > cap:
                return cap  # this chain alone keeps cap liberties besides p
    if n >= cap:
        return cap
    for k in range(4):
        q = nbr[p, k]
        if q < 0 or stones[q] != color or not first_visit(stones, chain, nbr, p, k):
            continue
        h = chain[HEAD, q]
        s = h
        while True:
            for kk in range(4):
                e = nbr[s, kk]
                if e >= 0 and e != p and stones[e] == 0:
                    n = add_point(buf, n, e)
                    if n >= cap:
                        return cap
            s = chain[NEXT, s]
            if s == h:
                break
    return n


@njit(cache=True, inline="always")
def size_after(stones, chain, nbr, p, color):
    """Stones of the chain ``color`` would form by playing at empty ``p``."""
    size = 1
    for k in range(4):
        q = nbr[p, k]
        if q >= 0 and stones[q] == color and first_visit(stones, chain, nbr, p, k):
            size += chain[SIZE, chain[HEAD, q]]
    return size


@njit(cache=True, inline="always")
def is_self_atari(stones, chain, nbr, p, color, buf):
    """True if ``color`` at ``p`` leaves a chain of two or more stones with one liberty."""
    if size_after(stones, chain, nbr, p, color) < 2:
        return False
    return liberties_after(stones, chain, nbr, p, color, 2, buf) < 2


@njit(cache=True, inline="always")
def refused_self_atari(stones, chain, nbr, p, color, reject_p, rng, buf):
    """True if ``color`` at ``p`` is a self-atari the policy turns down: always when the chain
    is bigger than NAKADE_MAX stones, else with probability ``reject_p``."""
    free = 0
    for k in range(4):
        q = nbr[p, k]
        if q >= 0 and stones[q] == 0:
            free += 1
    if free >= 2:
        return False  # two empty neighbours: two liberties whatever else happens
    size = size_after(stones, chain, nbr, p, color)
    if size < 2 or liberties_after(stones, chain, nbr, p, color, 2, buf) >= 2:
        return False
    return size > NAKADE_MAX or rand_unit(rng) < reject_p


@njit(cache=True, inline="always")
def counter_captures(stones, chain, nbr, h, out, n):
    """Append the liberty of every chain in atari touching chain ``h``; returns the count."""
    color = stones[h]
    s = h
    while True:
        for k in range(4):
            q = nbr[s, k]
            if q >= 0 and stones[q] == -color and n < out.shape[0]:
                hq = chain[HEAD, q]
                if chain[LIBS, hq] == 1:
                    out[n] = a_liberty(stones, chain, nbr, hq)
                    n += 1
        s = chain[NEXT, s]
        if s == h:
            return n


@njit(cache=True, inline="always")
def atari_moves(stones, chain, nbr, diag, last, color, out, buf):
    """Captures and escapes for ``color`` around ``last`` (see the module docstring, rule 1),
    written into ``out``; returns how many (a point may appear twice)."""
    n = 0
    for i in range(9):
        q = last if i == 8 else (nbr[last, i] if i < 4 else diag[last, i - 4])
        if q < 0 or stones[q] == 0:
            continue
        h = chain[HEAD, q]
        if chain[LIBS, h] != 1 or n + 1 >= out.shape[0]:
            continue
        lib = a_liberty(stones, chain, nbr, h)
        if stones[q] != color:
            out[n] = lib
            n += 1
        else:
            n = counter_captures(stones, chain, nbr, h, out, n)
            if n < out.shape[0] and liberties_after(stones, chain, nbr, lib, color, 2, buf) >= 2:
                out[n] = lib
                n += 1
    return n


@njit(cache=True, inline="always")
def pattern_moves(table, stones, nbr, diag, last, out):
    """Empty points around ``last`` that centre a 3×3 pattern, into ``out``; returns the count."""
    n = 0
    for i in range(8):
        q = nbr[last, i] if i < 4 else diag[last, i - 4]
        if q >= 0 and stones[q] == 0 and matches_pattern(table, stones, nbr, diag, q):
            out[n] = q
            n += 1
    return n


@njit(cache=True, inline="always")
def playable(stones, chain, nbr, diag, p, color, ko):
    """Legal (simple ko, no suicide) and not ``color``'s own eye."""
    return (stones[p] == 0 and p != ko and not is_eye(stones, nbr, diag, p, color)
            and breathes(stones, chain, nbr, p, color))


@njit(cache=True, inline="always")
def pick_suggested(stones, chain, nbr, diag, color, ko, cand, n, reject_p, rng, buf):
    """The first acceptable candidate from a random start, or -1."""
    if n == 0:
        return -1
    start = rand_below(rng, n)
    for j in range(n):
        p = cand[(start + j) % n]
        if not playable(stones, chain, nbr, diag, p, color, ko):
            continue
        if refused_self_atari(stones, chain, nbr, p, color, reject_p, rng, buf):
            continue
        return p
    return -1


@njit(cache=True, inline="always")
def heavy_move(stones, chain, nbr, diag, table, policy, color, ko, last, rng, empties, where,
               n_empty, cand, buf):
    """The playout policy's move for ``color`` (rules 1-3), or -1 to pass."""
    if last >= 0:
        for rule in range(2):  # 0: atari, 1: pattern
            if rand_unit(rng) >= policy[CAPTURE_P if rule == 0 else PATTERN_P]:
                continue
            if rule == 0:
                n = atari_moves(stones, chain, nbr, diag, last, color, cand, buf)
            else:
                n = pattern_moves(table, stones, nbr, diag, last, cand)
            p = pick_suggested(stones, chain, nbr, diag, color, ko, cand, n,
                               policy[SELF_ATARI_P_SUGGESTED], rng, buf)
            if p >= 0:
                return p
    k = n_empty
    while k > 0:
        i = rand_below(rng, k)
        p = empties[i]
        if playable(stones, chain, nbr, diag, p, color, ko) and not refused_self_atari(
                stones, chain, nbr, p, color, policy[SELF_ATARI_P_RANDOM], rng, buf):
            return p
        k -= 1  # set p aside for this turn: swap it behind the live range
        q = empties[k]
        empties[i], empties[k] = q, p
        where[q], where[p] = i, k
    return -1


@njit(cache=True)
def heavy_playout(stones, chain, ckey, nbr, diag, zkeys, table, policy, color, ko, last,
                  max_moves, rng, empties, where, out, cand, buf, amaf_color, amaf_depth, depth):
    """Play the heavy policy from ``color`` until two passes or ``max_moves``, in place.

    ``last`` is the previous move (-1 for none or a pass). Each point first played here gets
    ``amaf_color`` (who played it) and ``amaf_depth`` = ``depth`` if it had none. Scratch:
    ``empties``, ``where``, ``out`` int32[n*n]; ``cand`` int32[>= 4*n*n]; ``buf`` int32[8].
    Returns the number of stones placed.
    """
    nn = stones.shape[0]
    n_empty = 0
    for p in range(nn):
        where[p] = -1
        if stones[p] == 0:
            empties[n_empty] = p
            where[p] = n_empty
            n_empty += 1
    passes = 0
    placed = 0
    while passes < 2 and placed < max_moves:
        move = heavy_move(stones, chain, nbr, diag, table, policy, color, ko, last, rng,
                          empties, where, n_empty, cand, buf)
        if move < 0:
            passes += 1
            ko = -1
            last = -1
        else:
            passes = 0
            placed += 1
            if amaf_color[move] == 0:
                amaf_color[move] = color
                amaf_depth[move] = depth
            n_cap, _, _, ko = place_stone(stones, chain, ckey, nbr, zkeys, move, color, out)
            n_empty -= 1  # take `move` off the list of empty points
            i = where[move]
            tail = empties[n_empty]
            empties[i] = tail
            where[tail] = i
            where[move] = -1
            for j in range(n_cap):  # captured points are empty again
                empties[n_empty] = out[j]
                where[out[j]] = n_empty
                n_empty += 1
            last = move
        color = -color
    return placed
