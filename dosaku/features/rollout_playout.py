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
- *Sampling is one pass* over the empty points with the running total; a drawn point that is
  not a candidate (ko, suicide, own eye) is set aside for the turn and the draw repeated.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from ..rules import board as kernels
from ..rules.board import HEAD, LIBS, NEXT
from ..rules.game import GameState
from ..rules.playout import area_ownership, new_rng, rand_below
from .rollout import (NEIGHBOUR, RESPONSE, RESPONSE_PATTERNS, SAVE_ATARI, RolloutWeights,
                      is_candidate, last_point, saves_atari)
from .rollout_patterns import (DIAMOND_PERM, RING_PERM, bucket, canonical, canonical_at,
                               diamond_slot, gather_states, oriented_codes, other_side,
                               ring_slot, shape_geometry)


@njit(cache=True)
def refresh_point(stones, chain, ring, weights, pattern_offset, pattern_bits, base, p,
                  states):
    """Recompute ``base[:, p]``: exp of the 3×3 weight for black and white to move, or 0 for
    a stone."""
    if stones[p] != 0:
        base[0, p] = 0.0
        base[1, p] = 0.0
        return
    around = states[:8]
    gather_states(stones, chain, ring, p, 1, around)
    code = canonical(around, RING_PERM, -1)
    base[0, p] = np.exp(weights[pattern_offset + bucket(code, pattern_bits)])
    for i in range(8):
        around[i] = other_side(around[i])
    code = canonical(around, RING_PERM, -1)
    base[1, p] = np.exp(weights[pattern_offset + bucket(code, pattern_bits)])


@njit(cache=True)
def refresh_around(stones, chain, ring, weights, pattern_offset, pattern_bits, base, q,
                   stamp, mark, states):
    """Refresh the points whose 3×3 neighbourhood contains ``q`` (and ``q`` itself)."""
    for i in range(9):
        p = q if i == 8 else ring[q, i]
        if p >= 0 and mark[p] != stamp:
            mark[p] = stamp
            refresh_point(stones, chain, ring, weights, pattern_offset, pattern_bits, base, p,
                          states)


@njit(cache=True)
def refresh_chain(stones, chain, ring, weights, pattern_offset, pattern_bits, base, h,
                  stamp, mark, states):
    """Refresh around every stone of the chain with head ``h`` (its liberty class changed)."""
    s = h
    while True:
        refresh_around(stones, chain, ring, weights, pattern_offset, pattern_bits, base, s,
                       stamp, mark, states)
        s = chain[NEXT, s]
        if s == h:
            return


@njit(cache=True, inline="always")
def liberty_class(libs):
    return min(libs, 3)


@njit(cache=True)
def play_and_refresh(stones, chain, ckey, nbr, zkeys, ring, weights, pattern_offset,
                     pattern_bits, base, p, color, captured, stamp, mark, heads, states):
    """Play ``color`` at ``p`` and bring ``base`` up to date; returns (n_captured, ko).

    ``mark`` and ``heads`` (int64[n*n]) remember, by ``stamp``, the points already refreshed
    and the chains already walked during this move.
    """
    old = np.empty(4, dtype=np.int64)  # liberty classes of the neighbouring chains, before
    for k in range(4):
        q = nbr[p, k]
        old[k] = liberty_class(chain[LIBS, chain[HEAD, q]]) if q >= 0 and stones[q] else 0
    n_cap, n_self, _, ko = kernels.place_stone(stones, chain, ckey, nbr, zkeys, p, color,
                                               captured)
    refresh_around(stones, chain, ring, weights, pattern_offset, pattern_bits, base, p,
                   stamp, mark, states)
    for k in range(4):  # chains touching p: their liberty class may have changed
        q = nbr[p, k]
        if q >= 0 and stones[q] != 0 and liberty_class(chain[LIBS, chain[HEAD, q]]) != old[k]:
            refresh_chain(stones, chain, ring, weights, pattern_offset, pattern_bits, base,
                          chain[HEAD, q], stamp, mark, states)
    for i in range(n_cap + n_self):  # emptied points and the chains that gained liberties
        e = captured[i]
        refresh_around(stones, chain, ring, weights, pattern_offset, pattern_bits, base, e,
                       stamp, mark, states)
        for k in range(4):
            q = nbr[e, k]
            if q >= 0 and stones[q] != 0 and heads[chain[HEAD, q]] != stamp:
                heads[chain[HEAD, q]] = stamp
                refresh_chain(stones, chain, ring, weights, pattern_offset, pattern_bits,
                              base, chain[HEAD, q], stamp, mark, states)
    return n_cap, ko


@njit(cache=True)
def response_scores(stones, chain, nbr, ring, diamond, n, weights, response_bits,
                    pattern_offset, pattern_bits, color, last, points, scores, states):
    """The points whose score is more than their 3×3 weight this turn, and their exp-scores.

    Writes ``points`` and ``scores`` (exp of the full score); returns how many. These are the
    empty points of the last move's diamond and the points that save an own chain in atari.
    """
    count = 0
    if last >= 0:
        gather_states(stones, chain, diamond, last, color, states)
        oriented = np.empty(8, dtype=np.int64)
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
        gather_states(stones, chain, ring, p, color, states[:8])
        code = canonical(states[:8], RING_PERM, -1)
        scores[i] = np.exp(scores[i] + weights[pattern_offset + bucket(code, pattern_bits)])
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
def choose_move(stones, chain, ckey, nbr, diag, zkeys, base_row, color, ko, points, scores,
                count, weight, rng):
    """Draw a candidate from the turn's weights; -1 if there is none (the rollout passes).

    ``weight`` (float64[n*n]) is scratch; it ends holding the weights of the turn.
    """
    nn = stones.shape[0]
    total = 0.0
    for p in range(nn):
        weight[p] = base_row[p]
    for i in range(count):
        weight[points[i]] = scores[i]
    for p in range(nn):
        total += weight[p]
    while total > 1e-300:
        target = total * (rand_below(rng, 1 << 30) + 0.5) / (1 << 30)
        p = 0
        acc = weight[0]
        while acc < target and p < nn - 1:
            p += 1
            acc += weight[p]
        if weight[p] == 0.0:  # rounding ran the draw past the end: recount the total
            total = weight.sum()
            continue
        if is_candidate(stones, chain, ckey, nbr, diag, zkeys, p, color, ko):
            return p
        total -= weight[p]  # not playable this turn: set aside and draw again
        weight[p] = 0.0
    return -1


@njit(cache=True)
def run_rollout(stones, chain, ckey, nbr, diag, zkeys, ring, diamond, n, weights,
                response_bits, pattern_offset, pattern_bits, color, ko, last, max_moves, rng,
                trace_weights, trace_moves):
    """Play the rollout on the given arrays (changed in place); returns the moves played.

    If ``trace_weights`` has rows, row t receives the turn's weights before move t and
    ``trace_moves[t]`` the move (n*n for a pass): the test hook for the incremental update.
    """
    nn = stones.shape[0]
    base = np.zeros((2, nn))
    states = np.empty(12, dtype=np.int64)
    mark = np.zeros(nn, dtype=np.int64)
    heads = np.zeros(nn, dtype=np.int64)
    for p in range(nn):
        refresh_point(stones, chain, ring, weights, pattern_offset, pattern_bits, base, p,
                      states)
    points = np.empty(nn, dtype=np.int32)
    scores = np.empty(nn)
    weight = np.empty(nn)
    captured = np.empty(nn, dtype=np.int32)
    passes = 0
    played = 0
    while passes < 2 and played < max_moves:
        count = response_scores(stones, chain, nbr, ring, diamond, n, weights, response_bits,
                                pattern_offset, pattern_bits, color, last, points, scores,
                                states)
        p = choose_move(stones, chain, ckey, nbr, diag, zkeys, base[0 if color == 1 else 1],
                        color, ko, points, scores, count, weight, rng)
        if played < trace_weights.shape[0]:
            trace_weights[played, :] = weight
            trace_moves[played] = nn if p < 0 else p
        if p < 0:
            passes += 1
            ko = -1
            last = -1
        else:
            passes = 0
            _, ko = play_and_refresh(stones, chain, ckey, nbr, zkeys, ring, weights,
                                     pattern_offset, pattern_bits, base, p, color, captured,
                                     played + 1, mark, heads, states)
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
    layout = weights.layout
    color = state.to_play
    played = run_rollout(stones, chain, ckey, state.nbr, state.diag, state.zkeys, ring, diamond,
                         n, weights.weights, layout.response_bits, layout.pattern_offset,
                         layout.pattern_bits, color,
                         state.ko_point if state.ko_color == color else -1, last_point(state),
                         3 * n * n if max_moves is None else max_moves, new_rng(seed),
                         np.zeros((0, n * n)), np.zeros(0, dtype=np.int32))
    black, white = area_ownership(stones, state.nbr, np.empty(n * n, dtype=np.int8),
                                  np.empty(n * n, dtype=np.int32),
                                  np.empty(n * n, dtype=np.int32))
    return RolloutResult(float(black - white - state.komi), int(played))


__all__ = ["RolloutResult", "diamond_slot", "rollout", "run_rollout"]
