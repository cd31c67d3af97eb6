"""Heavy playouts: random games steered by the cheap tactical rules of MoGo, Pachi and michi.

A light playout (:mod:`dosaku.rules.playout`) plays any legal move that does not fill the
mover's own eye. A *heavy* playout first looks at the last move, as MoGo did (Gelly et al. 2006,
"Modification of UCT with patterns in Monte-Carlo Go") and Pachi's and michi's playouts do:

1. *atari* (probability ``CAPTURE_P``): a chain in atari at or around the last move is dealt
   with: capture it if it is the opponent's; if it is the mover's, capture an opponent chain in
   atari next to it, or extend on its liberty when that gives it three liberties, or two that
   a ladder cannot take (:func:`ladder_attack` reads it out);
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

Speed: :func:`heavy_playout` is compiled without numba's runtime (``_nrt=False``, inherited
by every helper it calls): it allocates nothing, and with the runtime every array handed to a
helper, inlined or not, costs an atomic reference-count increment and decrement. Without them,
and with the ladder reader copying boards by loops (:func:`copy_board`; a slice assignment may
allocate), the playout runs 1.5× (9×9) to 2× (19×19) faster (``benchmarks/mcts.py``, one
load window: 5,400 → 8,000 and 1,200 → 2,400 playouts per second from the empty board); the
games are the same, seed for seed. The helpers every move runs are inlined into the playout
loop (``inline="always"``); those of the rarer paths (a chain in atari, a crowded point, a
ladder) stay calls, which keeps the compile time down: the first run on a machine compiles for
a minute or two, then numba's cache (``__pycache__/*.nbi``) is used. That cache is keyed on
each file's own source: after editing a kernel in another module (``board.py``), delete the
cached entries of this module and of :mod:`dosaku.search.uct` so they are compiled afresh.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from .board import HEAD, LIBS, NEXT, SIZE, first_visit, is_eye, liberty_points, place_stone
from .patterns import matches_pattern
from .playout import breathes, list_empties, rand_below, update_empties

CAPTURE_P, PATTERN_P, SELF_ATARI_P_SUGGESTED, SELF_ATARI_P_RANDOM = 0, 1, 2, 3
N_POLICY = 4
NAKADE_MAX = 5  # a self-atari chain larger than this is never a useful sacrifice: always refused
LADDER_PLAYOUT_BUDGET = 20  # plies a playout may spend reading one ladder


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


@njit(cache=True)
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


@njit(cache=True)
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


@njit(cache=True)
def size_after(stones, chain, nbr, p, color):
    """Stones of the chain ``color`` would form by playing at empty ``p``."""
    size = 1
    for k in range(4):
        q = nbr[p, k]
        if q >= 0 and stones[q] == color and first_visit(stones, chain, nbr, p, k):
            size += chain[SIZE, chain[HEAD, q]]
    return size


@njit(cache=True)
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


@njit(cache=True)
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


@njit(cache=True)
def play_stone(stones, chain, ckey, nbr, zkeys, p, color, out):
    """:func:`~dosaku.rules.board.place_stone` as a plain call, for paths that are not hot:
    one compiled copy instead of one inlined at every call site."""
    return place_stone(stones, chain, ckey, nbr, zkeys, p, color, out)


class LadderScratch(NamedTuple):
    """Boards for reading ladders: one per ply, as the kernels have no undo."""

    stones: np.ndarray  # int8[depth, n*n]
    chain: np.ndarray  # int32[depth, 4, n*n]
    ckey: np.ndarray  # uint64[depth, n*n]
    tries: np.ndarray  # int32[depth]: which of the two liberties the attacker tries at a ply
    libs: np.ndarray  # int32[n*n]: liberties of the chain read, at the current ply
    first: np.ndarray  # int32[2]: the attacker's two first moves
    out: np.ndarray  # int32[n*n]: captures


def new_ladder_scratch(size: int) -> LadderScratch:
    nn, depth = size * size, 2 * size + 8  # a ladder runs at most across the board and back
    return LadderScratch(np.zeros((depth, nn), np.int8), np.zeros((depth, 4, nn), np.int32),
                         np.zeros((depth, nn), np.uint64), np.zeros(depth, np.int32),
                         np.zeros(nn, np.int32), np.zeros(2, np.int32), np.zeros(nn, np.int32))


@njit(cache=True, inline="always")
def copy_board(stones, chain, ckey, to_stones, to_chain, to_ckey):
    """Copy a board into another one's arrays, element by element: a slice assignment may
    allocate a temporary, and :func:`heavy_playout` runs without numba's runtime."""
    nn = stones.shape[0]
    for p in range(nn):
        to_stones[p] = stones[p]
    for p in range(nn):
        to_ckey[p] = ckey[p]
    for r in range(chain.shape[0]):
        for p in range(nn):
            to_chain[r, p] = chain[r, p]


@njit(cache=True)
def ladder_attack(stones, chain, ckey, nbr, zkeys, p, extend, lad, budget):
    """The ladder read: if the chain at ``p`` (after its owner plays ``extend``, unless that is
    -1) has exactly two liberties and its opponent, to move, captures it by a ladder, the
    attacker's first move; otherwise -1.

    At each ply the attacker tries both liberties; the defender escapes by capturing a chain
    next to it that is in atari, or by extending, and is free with three liberties. Readings
    longer than the scratch depth or than ``budget`` plies count as escapes.
    """
    defender = stones[p]
    attacker = -defender
    copy_board(stones, chain, ckey, lad.stones[0], lad.chain[0], lad.ckey[0])
    if extend >= 0:
        play_stone(lad.stones[0], lad.chain[0], lad.ckey[0], nbr, zkeys, extend, defender,
                    lad.out)
    if lad.chain[0, LIBS, lad.chain[0, HEAD, p]] != 2:
        return -1
    liberty_points(lad.stones[0], lad.chain[0], nbr, p, lad.first)
    lad.tries[0] = 0
    d = 0
    plies = 0
    while d >= 0:
        if lad.tries[d] >= 2:
            d -= 1
            if d >= 0:
                lad.tries[d] += 1
            continue
        plies += 1
        if plies > budget or d + 1 >= lad.tries.shape[0]:
            return -1
        liberty_points(lad.stones[d], lad.chain[d], nbr, p, lad.libs)
        move = lad.libs[lad.tries[d]]
        st, ch, ck = lad.stones[d + 1], lad.chain[d + 1], lad.ckey[d + 1]
        copy_board(lad.stones[d], lad.chain[d], lad.ckey[d], st, ch, ck)
        if not breathes(st, ch, nbr, move, attacker):
            lad.tries[d] += 1
            continue
        play_stone(st, ch, ck, nbr, zkeys, move, attacker, lad.out)
        if counter_captures(st, ch, nbr, ch[HEAD, p], lad.out, 0) > 0:
            lad.tries[d] += 1  # the defender takes a stone of the ladder and is out
            continue
        run = a_liberty(st, ch, nbr, ch[HEAD, p])
        if run < 0 or not breathes(st, ch, nbr, run, defender):
            return lad.first[lad.tries[0]]
        play_stone(st, ch, ck, nbr, zkeys, run, defender, lad.out)
        libs = ch[LIBS, ch[HEAD, p]]
        if libs <= 1:
            return lad.first[lad.tries[0]]
        if libs >= 3:
            lad.tries[d] += 1
            continue
        d += 1
        lad.tries[d] = 0
    return -1


@njit(cache=True, inline="always")
def atari_moves(stones, chain, ckey, nbr, diag, zkeys, last, color, out, buf, lad):
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
            if n < out.shape[0] and escapes(stones, chain, ckey, nbr, zkeys, lib, q, lad, buf):
                out[n] = lib
                n += 1
    return n


@njit(cache=True)
def escapes(stones, chain, ckey, nbr, zkeys, lib, q, lad, buf):
    """True if extending the chain at ``q`` (in atari) on its liberty ``lib`` saves it: three
    liberties, or two and no ladder."""
    libs = liberties_after(stones, chain, nbr, lib, stones[q], 3, buf)
    return libs >= 3 or (libs == 2 and ladder_attack(stones, chain, ckey, nbr, zkeys, q, lib,
                                                     lad, LADDER_PLAYOUT_BUDGET) < 0)


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
def heavy_move(stones, chain, ckey, nbr, diag, zkeys, table, policy, color, ko, last, rng,
               empties, where, n_empty, cand, buf, lad):
    """The playout policy's move for ``color`` (rules 1-3), or -1 to pass."""
    if last >= 0:
        for rule in range(2):  # 0: atari, 1: pattern
            if rand_unit(rng) >= policy[CAPTURE_P if rule == 0 else PATTERN_P]:
                continue
            if rule == 0:
                n = atari_moves(stones, chain, ckey, nbr, diag, zkeys, last, color, cand, buf,
                                lad)
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


@njit(cache=True, nogil=True, _nrt=False)
def heavy_playout(stones, chain, ckey, nbr, diag, zkeys, table, policy, color, ko, last,
                  max_moves, rng, empties, where, out, cand, buf, lad, amaf_color, amaf_depth,
                  depth):
    """Play the heavy policy from ``color`` until two passes or ``max_moves``, in place.

    ``last`` is the previous move (-1 for none or a pass). Each point first played here gets
    ``amaf_color`` (who played it) and ``amaf_depth`` = ``depth`` if it had none. Scratch:
    ``empties``, ``where``, ``out`` int32[n*n]; ``cand`` int32[>= 4*n*n]; ``buf`` int32[8];
    ``lad`` a :class:`LadderScratch`.
    Returns the number of stones placed.
    """
    n_empty = list_empties(stones, empties, where)
    passes = 0
    placed = 0
    while passes < 2 and placed < max_moves:
        move = heavy_move(stones, chain, ckey, nbr, diag, zkeys, table, policy, color, ko,
                          last, rng, empties, where, n_empty, cand, buf, lad)
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
            n_empty = update_empties(move, out, n_cap, empties, where, n_empty)
            last = move
        color = -color
    return placed
