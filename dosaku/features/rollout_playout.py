"""Rollouts with the linear softmax policy, evaluated incrementally in numba.

A rollout plays from a position to the end of the game, each move drawn from the rollout
policy of :mod:`dosaku.features.rollout`, and returns the Tromp-Taylor area score. AlphaGo's
rollouts ran at about 2 µs per move (Silver et al. 2016, "Rollout policy"); this is how a
Python project gets close:

- *3×3 weights are kept, not recomputed.* ``base[c, p]`` holds ``exp(w[3×3 pattern at p])``
  for each empty point and each player ``c`` (0 black, 1 white: states are seen from the
  mover, so the two differ). After a move only points whose 3×3 neighbourhood changed are
  refreshed: the eight around the new stone and around captured stones, and those around
  the stones of a chain whose liberty class (1, 2, >= 3) changed.
- *Response features are few.* Each turn the diamond around the last move (12 points) and
  the moves that save an own chain in atari get their full score; every other point keeps
  its base weight.
- *Sampling is one pass* over a list of the empty points (kept through captures) to form
  running sums, then a binary search per draw; a drawn point that is not a candidate (ko,
  suicide, own eye) is set aside for the turn and the draw repeated.
- *Nothing is allocated per move*: scratch arrays are made once per rollout.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from ..rules.board import HEAD, LIBS, NEXT
from ..rules.game import GameState
from ..rules.playout import area_ownership, new_rng, rand_below
from .moves import play_stone
from .rollout import (NEIGHBOUR, RESPONSE, RESPONSE_PATTERNS, SAVE_ATARI, RolloutWeights,
                      is_candidate, last_point, saves_atari)
from .rollout_patterns import (DIAMOND_PERM, RING_PERM, bucket, canonical, canonical_at,
                               gather_states, oriented_codes, other_side, ring_slot,
                               shape_geometry)


def shape_table(weights: RolloutWeights):
    """The 3×3 part of the policy as the playout kernels take it: (weight vector, offset of
    the 3×3 weights, log2 of their buckets)."""
    return weights.weights, weights.layout.pattern_offset, weights.layout.pattern_bits


@njit(cache=True, inline="always")
def refresh_point(stones, chain, ring, table, base, p, states):
    """Recompute ``base[:, p]``: exp of the 3×3 weight for black and white to move, or 0 for
    a stone. ``states`` (int64[>= 8]) is scratch."""
    weights, offset, bits = table
    if stones[p] != 0:
        base[0, p] = 0.0
        base[1, p] = 0.0
        return
    around = states[:8]
    gather_states(stones, chain, ring, p, 1, around)
    base[0, p] = np.exp(weights[offset + bucket(canonical(around, RING_PERM, -1), bits)])
    for i in range(8):
        around[i] = other_side(around[i])
    base[1, p] = np.exp(weights[offset + bucket(canonical(around, RING_PERM, -1), bits)])


@njit(cache=True, inline="always")
def refresh_around(stones, chain, ring, table, base, q, stamp, mark, states):
    """Refresh the points whose 3×3 neighbourhood contains ``q`` (and ``q`` itself)."""
    for i in range(9):
        p = q if i == 8 else ring[q, i]
        if p >= 0 and mark[p] != stamp:
            mark[p] = stamp
            refresh_point(stones, chain, ring, table, base, p, states)


@njit(cache=True)
def refresh_chain(stones, chain, ring, table, base, h, stamp, mark, states):
    """Refresh around every stone of the chain with head ``h`` (its liberty class changed)."""
    s = h
    while True:
        refresh_around(stones, chain, ring, table, base, s, stamp, mark, states)
        s = chain[NEXT, s]
        if s == h:
            return


@njit(cache=True, inline="always")
def liberty_class(libs):
    return min(libs, 3)


@njit(cache=True)
def play_and_refresh(stones, chain, ckey, nbr, zkeys, ring, table, base, p, color, captured,
                     stamp, mark, heads, states, old):
    """Play ``color`` at ``p`` and bring ``base`` up to date; returns (n_removed, ko): the
    stones taken off (captures, or a suicide) are ``captured[:n_removed]``.

    ``mark`` and ``heads`` (int64[n*n]) remember, by ``stamp``, the points already refreshed
    and the chains already walked during this move; ``old`` (int64[4]) is scratch.
    """
    for k in range(4):  # liberty classes of the neighbouring chains, before the move
        q = nbr[p, k]
        old[k] = liberty_class(chain[LIBS, chain[HEAD, q]]) if q >= 0 and stones[q] else 0
    n_cap, n_self, _, ko = play_stone(stones, chain, ckey, nbr, zkeys, p, color,
                                               captured)
    refresh_around(stones, chain, ring, table, base, p, stamp, mark, states)
    for k in range(4):  # chains touching p: their liberty class may have changed
        q = nbr[p, k]
        if q >= 0 and stones[q] != 0 and liberty_class(chain[LIBS, chain[HEAD, q]]) != old[k]:
            refresh_chain(stones, chain, ring, table, base, chain[HEAD, q], stamp, mark,
                          states)
    for i in range(n_cap + n_self):  # emptied points and the chains that gained liberties
        e = captured[i]
        refresh_around(stones, chain, ring, table, base, e, stamp, mark, states)
        for k in range(4):
            q = nbr[e, k]
            if q >= 0 and stones[q] != 0 and heads[chain[HEAD, q]] != stamp:
                heads[chain[HEAD, q]] = stamp
                refresh_chain(stones, chain, ring, table, base, chain[HEAD, q], stamp, mark,
                              states)
    return n_cap + n_self, ko


@njit(cache=True)
def response_scores(stones, chain, nbr, diamond, n, weights, response_bits, base_row, color,
                    last, points, scores, states, oriented):
    """The points whose score is more than their 3×3 weight this turn, and their exp-scores.

    Writes ``points`` and ``scores`` (exp of the full score: the response features times the
    3×3 weight already in ``base_row``); returns how many. These are the empty points of the
    last move's diamond and the points that save an own chain in atari. ``states``
    (int64[12]) and ``oriented`` (int64[8]) are scratch.
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
    count = _save_atari_points(stones, chain, nbr, color, points, scores, count)
    for i in range(count):
        p = points[i]
        if saves_atari(stones, chain, nbr, p, color):
            scores[i] += weights[SAVE_ATARI]
        scores[i] = np.exp(scores[i]) * base_row[p]
    return count


@njit(cache=True)
def _save_atari_points(stones, chain, nbr, color, points, scores, count):
    """Append to ``points`` (score 0) the empty points next to an own chain in atari or next
    to an opponent chain in atari, not listed yet: the only places a move can save atari."""
    for s in range(stones.shape[0]):
        if stones[s] == 0 or chain[LIBS, chain[HEAD, s]] != 1:
            continue
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
    return count


@njit(cache=True)
def turn_weights(empties, n_empty, base_row, points, scores, count, weight, cumulative):
    """Weights of the empty points this turn (``weight`` by point, 0 for stones) and their
    running sums in ``empties`` order; returns the total."""
    for i in range(n_empty):
        weight[empties[i]] = base_row[empties[i]]
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


@njit(cache=True)
def choose_move(stones, chain, ckey, nbr, diag, zkeys, color, ko, empties, n_empty, weight,
                cumulative, total, rng):
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
        if weight[p] > 0 and is_candidate(stones, chain, ckey, nbr, diag, zkeys, p, color, ko):
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


@njit(cache=True)
def run_rollout(stones, chain, ckey, nbr, diag, zkeys, ring, diamond, n, table,
                response_bits, color, ko, last, max_moves, rng, trace_weights, trace_moves):
    """Play the rollout on the given arrays (changed in place); returns the moves played.

    ``table`` is :func:`shape_table`'s (the weight vector comes first in it).

    If ``trace_weights`` has rows, row t receives the turn's weights before move t and
    ``trace_moves[t]`` the move (n*n for a pass): the test hook for the incremental update.
    """
    nn = stones.shape[0]
    base = np.zeros((2, nn))
    states = np.empty(12, dtype=np.int64)
    oriented = np.empty(8, dtype=np.int64)
    old = np.empty(4, dtype=np.int64)
    mark = np.zeros(nn, dtype=np.int64)
    heads = np.zeros(nn, dtype=np.int64)
    empties = np.empty(nn, dtype=np.int32)
    where = np.full(nn, -1, dtype=np.int32)
    n_empty = 0
    weights = table[0]
    for p in range(nn):
        refresh_point(stones, chain, ring, table, base, p, states)
        if stones[p] == 0:
            empties[n_empty] = p
            where[p] = n_empty
            n_empty += 1
    points = np.empty(nn, dtype=np.int32)
    scores = np.empty(nn)
    weight = np.zeros(nn)
    cumulative = np.empty(nn)
    captured = np.empty(nn, dtype=np.int32)
    passes = 0
    played = 0
    while passes < 2 and played < max_moves:
        base_row = base[0 if color == 1 else 1]
        count = response_scores(stones, chain, nbr, diamond, n, weights, response_bits,
                                base_row, color, last, points, scores, states, oriented)
        total = turn_weights(empties, n_empty, base_row, points, scores, count, weight,
                             cumulative)
        if played < trace_weights.shape[0]:
            trace_weights[played, :] = weight
        p = choose_move(stones, chain, ckey, nbr, diag, zkeys, color, ko, empties, n_empty,
                        weight, cumulative, total, rng)
        if played < trace_moves.shape[0]:
            trace_moves[played] = nn if p < 0 else p
        if p < 0:
            passes += 1
            ko = -1
            last = -1
        else:
            passes = 0
            removed, ko = play_and_refresh(stones, chain, ckey, nbr, zkeys, ring, table, base,
                                           p, color, captured, played + 1, mark, heads,
                                           states, old)
            n_empty = _take(empties, where, n_empty, p)
            for i in range(removed):  # captured points are empty again
                empties[n_empty] = captured[i]
                where[captured[i]] = n_empty
                n_empty += 1
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
