"""Rollouts with the linear softmax policy, evaluated incrementally in numba.

A rollout plays from a position to the end of the game, each move drawn from the rollout
policy of :mod:`dosaku.features.rollout`, and returns the Tromp-Taylor area score. AlphaGo's
rollouts ran at about 2 µs per move (Silver et al. 2016, "Rollout policy"); this is how a
Python project gets close:

- *3×3 weights are kept, not recomputed.* ``base[c, p]`` holds ``exp(w[3×3 pattern at p])``
  for each empty point and each player ``c`` (0 black, 1 white: states are seen from the
  mover, so the two differ). After a move only points whose 3×3 neighbourhood changed are
  refreshed: the eight around the new stone and around captured stones, and those around
  the stones of a chain whose liberty class (1, 2, >= 3) changed. Both players' canonical
  codes of a point come from one pass over the eight symmetries.
- *Response features are few.* Each turn the diamond around the last move (12 points) and
  the liberties of chains in atari (the only moves that can save atari) get their full
  score; every other point keeps its base weight. The chains in atari are a list kept
  through the moves (a move takes liberties only from the chains it touches), not a scan
  of the board.
- *Sampling is one pass* over a list of the empty points (kept through captures) to form
  running sums, then a binary search per draw; a drawn point that is not a candidate (ko,
  suicide, own eye) is set aside for the turn and the draw repeated.
- *Nothing is allocated per move*, and nothing is reference-counted: :func:`run_rollout`
  makes the scratch arrays once per rollout and hands them to a loop compiled without
  numba's runtime (``_nrt=False``). With the runtime, every array passed to a helper, even
  an inlined one, costs an atomic increment and decrement; measured with ``perf``, those
  atomics were over half of a rollout's time (19×19, trained weights: 10–14 µs per move
  before, about 4 after, ``benchmarks/results/playout-speed.md``). ``_nrt`` is a private
  numba option: if an upgrade drops it, delete it from the decorator and the loop runs with
  the runtime, correct but slower.

The move distribution is exactly the policy's (tested against the from-scratch policy), and
for a given seed the moves are the same as before these optimisations: the same sums in the
same order meet the same random numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from ..rules.board import HEAD, LIBS, NEXT, place_stone
from ..rules.game import GameState
from ..rules.playout import area_ownership, new_rng, rand_below
from .rollout import (NEIGHBOUR, RESPONSE, RESPONSE_PATTERNS, SAVE_ATARI, RolloutWeights,
                      is_candidate, last_point, saves_atari)
from .rollout_patterns import (DIAMOND_PERM, RING_PERM, bucket, canonical_at, gather_states,
                               oriented_codes, other_side, point_state, ring_slot,
                               shape_geometry)


def shape_table(weights: RolloutWeights):
    """The 3×3 part of the policy as the playout kernels take it: (weight vector, offset of
    the 3×3 weights, log2 of their buckets)."""
    return weights.weights, weights.layout.pattern_offset, weights.layout.pattern_bits


@njit(cache=True, inline="always")
def refresh_point(stones, chain, ring, weights, offset, bits, base, p, around):
    """Recompute ``base[:, p]``: exp of the 3×3 weight for black and white to move, or 0 for
    a stone. ``around`` (int64[16]) is scratch.

    Both players' canonical codes (:func:`~dosaku.features.rollout_patterns.canonical`) are
    formed in one pass over the symmetries: black's from the states, white's from the same
    states with own and their chains swapped."""
    if stones[p] != 0:
        base[0, p] = 0.0
        base[1, p] = 0.0
        return
    for i in range(8):
        state = point_state(stones, chain, ring[p, i], 1)
        around[i] = state
        around[8 + i] = other_side(state)
    black = np.int64(1) << 62
    white = np.int64(1) << 62
    for k in range(RING_PERM.shape[0]):
        code_b = np.int64(0)
        code_w = np.int64(0)
        for i in range(8):
            shift = 3 * RING_PERM[k, i]
            code_b |= around[i] << shift
            code_w |= around[8 + i] << shift
        black = min(black, code_b)
        white = min(white, code_w)
    base[0, p] = np.exp(weights[offset + bucket(black, bits)])
    base[1, p] = np.exp(weights[offset + bucket(white, bits)])


@njit(cache=True, inline="always")
def refresh_around(stones, chain, ring, weights, offset, bits, base, q, stamp, mark, around):
    """Refresh the points whose 3×3 neighbourhood contains ``q`` (and ``q`` itself)."""
    for i in range(9):
        p = q if i == 8 else ring[q, i]
        if p >= 0 and mark[p] != stamp:
            mark[p] = stamp
            refresh_point(stones, chain, ring, weights, offset, bits, base, p, around)


@njit(cache=True, inline="always")
def refresh_chain(stones, chain, ring, weights, offset, bits, base, h, stamp, mark, around):
    """Refresh around every stone of the chain with head ``h`` (its liberty class changed)."""
    s = h
    while True:
        refresh_around(stones, chain, ring, weights, offset, bits, base, s, stamp, mark, around)
        s = chain[NEXT, s]
        if s == h:
            return


@njit(cache=True, inline="always")
def liberty_class(libs):
    return min(libs, 3)


@njit(cache=True, inline="always")
def play_and_refresh(stones, chain, ckey, nbr, zkeys, ring, weights, offset, bits, base, p,
                     color, captured, stamp, mark, heads, around, old):
    """Play ``color`` at ``p`` and bring ``base`` up to date; returns (n_removed, ko): the
    stones taken off (captures, or a suicide) are ``captured[:n_removed]``.

    ``mark`` and ``heads`` (int64[n*n]) remember, by ``stamp``, the points already refreshed
    and the chains already walked during this move; ``old`` (int64[4]) is scratch.
    """
    for k in range(4):  # liberty classes of the neighbouring chains, before the move
        q = nbr[p, k]
        old[k] = liberty_class(chain[LIBS, chain[HEAD, q]]) if q >= 0 and stones[q] else 0
    n_cap, n_self, _, ko = place_stone(stones, chain, ckey, nbr, zkeys, p, color, captured)
    refresh_around(stones, chain, ring, weights, offset, bits, base, p, stamp, mark, around)
    for k in range(4):  # chains touching p: their liberty class may have changed
        q = nbr[p, k]
        if q >= 0 and stones[q] != 0 and liberty_class(chain[LIBS, chain[HEAD, q]]) != old[k]:
            refresh_chain(stones, chain, ring, weights, offset, bits, base, chain[HEAD, q],
                          stamp, mark, around)
    for i in range(n_cap + n_self):  # emptied points and the chains that gained liberties
        e = captured[i]
        refresh_around(stones, chain, ring, weights, offset, bits, base, e, stamp, mark,
                       around)
        for k in range(4):
            q = nbr[e, k]
            if q >= 0 and stones[q] != 0 and heads[chain[HEAD, q]] != stamp:
                heads[chain[HEAD, q]] = stamp
                refresh_chain(stones, chain, ring, weights, offset, bits, base, chain[HEAD, q],
                              stamp, mark, around)
    return n_cap + n_self, ko


@njit(cache=True, inline="always")
def _in_atari(stones, chain, h):
    """Is ``h`` the head of a chain with one liberty?"""
    return stones[h] != 0 and chain[HEAD, h] == h and chain[LIBS, h] == 1


@njit(cache=True, inline="always")
def _note_atari(stones, chain, q, atari, n_atari):
    """Add the chain at ``q`` to the list of chains in atari if it is one and not listed."""
    if q < 0 or stones[q] == 0:
        return n_atari
    h = chain[HEAD, q]
    if chain[LIBS, h] != 1:
        return n_atari
    for i in range(n_atari):
        if atari[i] == h:
            return n_atari
    atari[n_atari] = h
    return n_atari + 1


@njit(cache=True, inline="always")
def update_atari(stones, chain, nbr, p, atari, n_atari):
    """The heads of the chains in atari after a move at ``p``; returns their number.

    A move takes liberties only from the chains that touch ``p`` (and the one it makes);
    every other chain keeps or gains liberties (captures) or stops being a chain (captured,
    or merged into the chain at ``p``): so the list is the old one, filtered, plus the
    chains at and around ``p``.
    """
    kept = 0
    for i in range(n_atari):
        if _in_atari(stones, chain, atari[i]):
            atari[kept] = atari[i]
            kept += 1
    kept = _note_atari(stones, chain, p, atari, kept)
    for k in range(4):
        kept = _note_atari(stones, chain, nbr[p, k], atari, kept)
    return kept


@njit(cache=True, inline="always")
def _next_to_atari(stones, chain, nbr, p):
    """Does ``p`` touch a chain with one liberty (else :func:`saves_atari` is False)?"""
    for k in range(4):
        q = nbr[p, k]
        if q >= 0 and stones[q] != 0 and chain[LIBS, chain[HEAD, q]] == 1:
            return True
    return False


@njit(cache=True, inline="always")
def response_scores(stones, chain, nbr, diamond, n, weights, response_bits, base, row, color,
                    last, atari, n_atari, points, scores, states, oriented):
    """The points whose score is more than their 3×3 weight this turn, and their exp-scores.

    Writes ``points`` and ``scores`` (exp of the full score: the response features times the
    3×3 weight already in ``base[row]``); returns how many. These are the empty points of the
    last move's diamond and the points next to a chain in atari (``atari[:n_atari]``, heads):
    the only points where a move can save atari. ``states`` (int64[12]) and ``oriented``
    (int64[8]) are scratch.
    """
    count = 0
    if last >= 0:
        gather_states(stones, chain, diamond, last, color, states)
        oriented_codes(states, DIAMOND_PERM, oriented)
        for slot in range(12):
            p = diamond[last, slot]
            if p < 0 or stones[p] != 0:
                continue
            code = canonical_at(oriented, DIAMOND_PERM, slot, 12)
            score = weights[RESPONSE] + weights[RESPONSE_PATTERNS + bucket(code, response_bits)]
            direction = ring_slot(n, last, p)
            if direction >= 0:
                score += weights[NEIGHBOUR + direction]
            points[count] = p
            scores[count] = score
            count += 1
    for j in range(n_atari):  # liberties of chains in atari, not listed yet, score 0
        h = atari[j]
        s = h
        while True:
            for k in range(4):
                e = nbr[s, k]
                if e < 0 or stones[e] != 0:
                    continue
                listed = False
                for i in range(count):
                    listed |= points[i] == e
                if not listed and count < points.shape[0]:
                    points[count] = e
                    scores[count] = 0.0
                    count += 1
            s = chain[NEXT, s]
            if s == h:
                break
    for i in range(count):
        p = points[i]
        if _next_to_atari(stones, chain, nbr, p) and saves_atari(stones, chain, nbr, p, color):
            scores[i] += weights[SAVE_ATARI]
        scores[i] = np.exp(scores[i]) * base[row, p]
    return count


@njit(cache=True, inline="always")
def turn_weights(empties, n_empty, base, row, points, scores, count, weight, cumulative):
    """Weights of the empty points this turn (``weight`` by point, 0 for stones) and their
    running sums in ``empties`` order; returns the total."""
    for i in range(n_empty):
        weight[empties[i]] = base[row, empties[i]]
    for i in range(count):
        weight[points[i]] = scores[i]
    return _running_sums(empties, n_empty, weight, cumulative)


@njit(cache=True, inline="always")
def _running_sums(empties, n_empty, weight, cumulative):
    total = 0.0
    for i in range(n_empty):
        total += weight[empties[i]]
        cumulative[i] = total
    return total


@njit(cache=True, inline="always")
def choose_move(stones, chain, nbr, diag, color, ko, empties, n_empty, weight, cumulative,
                total, rng):
    """Draw a candidate with probability proportional to ``weight``; -1 if there is none.

    A draw is a binary search in the running sums. A point that is not a candidate this turn
    (ko, suicide, own eye) gets weight 0; the sums are rebuilt only once such points hold half
    of what is left, so most turns cost one pass over the empty points.
    """
    set_aside = 0.0
    while total - set_aside > 1e-300:
        target = total * (rand_below(rng, 1 << 30) + 0.5) / (1 << 30)
        lo, hi = 0, n_empty - 1
        while lo < hi:
            mid = (lo + hi) // 2
            if cumulative[mid] < target:
                lo = mid + 1
            else:
                hi = mid
        p = empties[lo]
        if weight[p] > 0 and is_candidate(stones, chain, nbr, diag, p, color, ko):
            return p
        set_aside += weight[p]
        weight[p] = 0.0
        if set_aside > 0.5 * total:  # too many misses ahead: rebuild the sums without them
            total = _running_sums(empties, n_empty, weight, cumulative)
            set_aside = 0.0
    return -1


@njit(cache=True, inline="always")
def _take(empties, where, n_empty, p):
    """Remove ``p`` from the empty-point list; returns the new count."""
    i = where[p]
    n_empty -= 1
    moved = empties[n_empty]
    empties[i] = moved
    where[moved] = i
    where[p] = -1
    return n_empty


@njit(cache=True, nogil=True)
def run_rollout(stones, chain, ckey, nbr, diag, zkeys, ring, diamond, n, table,
                response_bits, color, ko, last, max_moves, rng, trace_weights, trace_moves):
    """Play the rollout on the given arrays (changed in place); returns the moves played.

    ``table`` is :func:`shape_table`'s (the weight vector comes first in it). Releases the
    GIL: rollouts in a worker thread run beside the networks.

    If ``trace_weights`` has rows, row t receives the turn's weights before move t and
    ``trace_moves[t]`` the move (n*n for a pass): the test hook for the incremental update.
    """
    weights, offset, bits = table
    nn = stones.shape[0]
    base = np.zeros((2, nn))
    states = np.empty(12, dtype=np.int64)
    around = np.empty(16, dtype=np.int64)
    oriented = np.empty(8, dtype=np.int64)
    old = np.empty(4, dtype=np.int64)
    mark = np.zeros(nn, dtype=np.int64)
    heads = np.zeros(nn, dtype=np.int64)
    empties = np.empty(nn, dtype=np.int32)
    where = np.full(nn, -1, dtype=np.int32)
    atari = np.empty(nn, dtype=np.int32)
    points = np.empty(nn, dtype=np.int32)
    scores = np.empty(nn)
    weight = np.zeros(nn)
    cumulative = np.empty(nn)
    captured = np.empty(nn, dtype=np.int32)
    return _play(stones, chain, ckey, nbr, diag, zkeys, ring, diamond, n, weights, offset, bits,
                 response_bits, color, ko, last, max_moves, rng, trace_weights, trace_moves,
                 base, states, around, oriented, old, mark, heads, empties, where, atari,
                 points, scores, weight, cumulative, captured)


@njit(cache=True, nogil=True, _nrt=False)
def _play(stones, chain, ckey, nbr, diag, zkeys, ring, diamond, n, weights, offset, bits,
          response_bits, color, ko, last, max_moves, rng, trace_weights, trace_moves, base,
          states, around, oriented, old, mark, heads, empties, where, atari, points, scores,
          weight, cumulative, captured):
    """The rollout loop of :func:`run_rollout` on its scratch arrays, compiled without
    numba's reference counting: it allocates nothing, and every inlined helper's array
    arguments would otherwise cost an atomic increment and decrement per call (measured:
    over half the time of a rollout)."""
    nn = stones.shape[0]
    n_empty = 0
    n_atari = 0
    for p in range(nn):
        refresh_point(stones, chain, ring, weights, offset, bits, base, p, around)
        if stones[p] == 0:
            empties[n_empty] = p
            where[p] = n_empty
            n_empty += 1
        elif _in_atari(stones, chain, p):
            atari[n_atari] = p
            n_atari += 1
    passes = 0
    played = 0
    while passes < 2 and played < max_moves:
        row = 0 if color == 1 else 1
        count = response_scores(stones, chain, nbr, diamond, n, weights, response_bits, base,
                                row, color, last, atari, n_atari, points, scores, states,
                                oriented)
        total = turn_weights(empties, n_empty, base, row, points, scores, count, weight,
                             cumulative)
        if played < trace_weights.shape[0]:
            for q in range(nn):
                trace_weights[played, q] = weight[q]
        p = choose_move(stones, chain, nbr, diag, color, ko, empties, n_empty, weight,
                        cumulative, total, rng)
        if played < trace_moves.shape[0]:
            trace_moves[played] = nn if p < 0 else p
        if p < 0:
            passes += 1
            ko = -1
            last = -1
        else:
            passes = 0
            removed, ko = play_and_refresh(stones, chain, ckey, nbr, zkeys, ring, weights,
                                           offset, bits, base, p, color, captured, played + 1,
                                           mark, heads, around, old)
            n_empty = _take(empties, where, n_empty, p)
            for i in range(removed):  # captured points are empty again
                empties[n_empty] = captured[i]
                where[captured[i]] = n_empty
                n_empty += 1
            n_atari = update_atari(stones, chain, nbr, p, atari, n_atari)
            weight[p] = 0.0
            last = p
        color = -color
        played += 1
    return played




@dataclass(frozen=True)
class RolloutResult:
    """One rollout: the final score and how long it was."""

    score: float
    """Black's area minus White's minus komi (Tromp-Taylor) at the end."""
    moves: int
    """Moves played, passes included."""


def rollout(state: GameState, weights: RolloutWeights, seed: int = 0,
            max_moves: int | None = None) -> RolloutResult:
    """Play ``state`` out with the rollout policy (the state is not changed)."""
    n = state.size
    ring, diamond = shape_geometry(n)
    stones, chain, ckey = state.stones.copy(), state.chain.copy(), state.ckey.copy()
    color = state.to_play
    played = run_rollout(stones, chain, ckey, state.nbr, state.diag, state.zkeys, ring, diamond,
                         n, shape_table(weights), weights.layout.response_bits, color,
                         state.ko_point if state.ko_color == color else -1, last_point(state),
                         3 * n * n if max_moves is None else max_moves, new_rng(seed),
                         np.zeros((0, n * n)), np.zeros(0, dtype=np.int32))
    black, white = area_ownership(stones, state.nbr, np.empty(n * n, dtype=np.int8),
                                  np.empty(n * n, dtype=np.int32),
                                  np.empty(n * n, dtype=np.int32))
    return RolloutResult(float(black - white - state.komi), int(played))


__all__ = ["RolloutResult", "rollout", "run_rollout", "shape_table"]
