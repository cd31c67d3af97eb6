"""``alphago48`` and ``alphago49``: the AlphaGo input planes (Silver et al. 2016, Extended Data
Table 2), for the side to move ("player"):

======================  ======  =============================================================
feature                 planes  meaning
======================  ======  =============================================================
stone colour            3       player stone / opponent stone / empty
ones                    1       a constant plane of 1s
turns since             8       how many turns since a stone was played: 1, 2, ..., 7, >= 8
liberties               8       liberties of the chain a stone is in: 1, 2, ..., 7, >= 8
capture size            8       opponent stones a move would capture: 0, 1, ..., 6, >= 7
self-atari size         8       own stones left in atari by a move: 1, 2, ..., 7, >= 8
liberties after move    8       liberties of the chain a move makes: 1, 2, ..., 7, >= 8
ladder capture          1       a move is a successful ladder capture
ladder escape           1       a move is a successful ladder escape
sensibleness            1       a move is legal and does not fill the player's own eye
zeros                   1       a constant plane of 0s
player colour           1       (alphago49 only, the value net) 1s if the player is black
======================  ======  =============================================================

The move features (capture size to sensibleness) are set on legal moves only (superko
included), so "capture size 0" marks the legal moves that capture nothing. Set-up stones
(handicap) count as played just before the first move. The eye in *sensibleness* is the
playout rule's eye (:func:`dosaku.rules.board.is_eye`); the ladders are read by
:mod:`dosaku.features.ladder`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numba import njit

from ..rules import board as kernels
from ..rules.board import HEAD, LIBS, NEXT, SIZE
from ..rules.game import GameState
from ..rules.types import BLACK
from .encoder import encode_each, plane_buffer
from .history import move_array, stone_ages
from .ladder import NODE_BUDGET, LadderScratch, ladder_capture_move, ladder_escape_move

# first plane of each feature
OWN, OPPONENT, EMPTY_PLANE, ONES = 0, 1, 2, 3
TURNS_SINCE, LIBERTIES, CAPTURE_SIZE, SELF_ATARI_SIZE, LIBERTIES_AFTER = 4, 12, 20, 28, 36
LADDER_CAPTURE, LADDER_ESCAPE, SENSIBLENESS, ZEROS, PLAYER_COLOUR = 44, 45, 46, 47, 48


def plane_names(player_colour: bool) -> tuple[str, ...]:
    def counted(what, first, last):
        return [f"{what} {k}" for k in range(first, last)] + [f"{what} >= {last}"]
    names = ["player stone", "opponent stone", "empty", "ones",
             *counted("turns since", 1, 8), *counted("liberties", 1, 8),
             *counted("capture size", 0, 7), *counted("self-atari size", 1, 8),
             *counted("liberties after move", 1, 8),
             "ladder capture", "ladder escape", "sensibleness", "zeros"]
    return (*names, "player colour") if player_colour else tuple(names)


@njit(cache=True)
def liberty_lists(stones, chain, nbr, offsets, points):
    """The liberties of every chain, by head, as CSR: ``points[offsets[h]:offsets[h + 1]]``.

    ``offsets`` is int32[n*n + 1], ``points`` int32[4 * n*n]. Two sweeps over the empty
    points: the first counts each chain's liberties, the second files them.
    """
    nn = stones.shape[0]
    offsets[:] = 0
    _sweep_liberties(stones, chain, nbr, offsets, points, False)
    for h in range(nn):  # counts -> ends; ends shifted by one slot -> starts, as fill cursors
        offsets[h + 1] += offsets[h]
    for h in range(nn, 0, -1):
        offsets[h] = offsets[h - 1]
    _sweep_liberties(stones, chain, nbr, offsets, points, True)  # cursors end as the ends


@njit(cache=True)
def _sweep_liberties(stones, chain, nbr, offsets, points, fill):
    for e in range(stones.shape[0]):
        if stones[e] != 0:
            continue
        for k in range(4):
            q = nbr[e, k]
            if q >= 0 and stones[q] != 0 and kernels.first_visit(stones, chain, nbr, e, k):
                h = chain[HEAD, q]
                if fill:
                    points[offsets[h + 1]] = e
                offsets[h + 1] += 1


@njit(cache=True, inline="always")
def _mark(mark, stamp, q):
    """Mark point q with this move's stamp; True if it was not marked yet."""
    if mark[q] == stamp:
        return False
    mark[q] = stamp
    return True


@njit(cache=True)
def move_facts(stones, chain, nbr, offsets, points, p, color, mark, stamp, heads):
    """(captured, liberties, chain size) if ``color`` played the empty point ``p``.

    ``mark`` (int32[n*n]) and a ``stamp`` unused in it so far count distinct points;
    ``heads`` (int32[4]) is scratch for the own chains ``p`` joins.
    """
    n_heads = 0
    size = 1
    libs = 0
    mark[p] = stamp
    for k in range(4):
        q = nbr[p, k]
        if q >= 0 and stones[q] == 0 and _mark(mark, stamp, q):
            libs += 1
        elif q >= 0 and stones[q] == color and kernels.first_visit(stones, chain, nbr, p, k):
            h = chain[HEAD, q]
            heads[n_heads] = h
            n_heads += 1
            size += chain[SIZE, h]
            for i in range(offsets[h], offsets[h + 1]):
                if _mark(mark, stamp, points[i]):
                    libs += 1
    captured = 0
    for k in range(4):
        q = nbr[p, k]
        if (q >= 0 and stones[q] == -color and chain[LIBS, chain[HEAD, q]] == 1
                and kernels.first_visit(stones, chain, nbr, p, k)):
            h = chain[HEAD, q]
            captured += chain[SIZE, h]
            libs += _freed_liberties(stones, chain, nbr, h, p, heads, n_heads, mark, stamp)
    return captured, libs, size


@njit(cache=True)
def _freed_liberties(stones, chain, nbr, h, p, heads, n_heads, mark, stamp):
    """Stones of the captured chain ``h`` that become liberties of the chain made at ``p``."""
    freed = 0
    s = h
    while True:
        for k in range(4):
            q = nbr[s, k]
            if q < 0:
                continue
            touches = q == p
            for j in range(n_heads):
                touches |= stones[q] == -stones[h] and chain[HEAD, q] == heads[j]
            if touches:
                if _mark(mark, stamp, s):
                    freed += 1
                break
        s = chain[NEXT, s]
        if s == h:
            return freed


@njit(cache=True, inline="always")
def _set(out, plane, p, n):
    out[plane, p // n, p % n] = 1


@njit(cache=True)
def stone_planes(stones, chain, color, ages, out):
    """Stone colour, ones, turns since and liberties."""
    nn = stones.shape[0]
    n = out.shape[1]
    for p in range(nn):
        v = stones[p]
        _set(out, ONES, p, n)
        if v == 0:
            _set(out, EMPTY_PLANE, p, n)
            continue
        _set(out, OWN if v == color else OPPONENT, p, n)
        _set(out, TURNS_SINCE + min(ages[p], 8) - 1, p, n)
        _set(out, LIBERTIES + min(chain[LIBS, chain[HEAD, p]], 8) - 1, p, n)


@njit(cache=True)
def move_planes(stones, chain, ckey, nbr, diag, zkeys, color, ko, legal, saved_stones,
                saved_chain, captured, candidates, frames, budget, node_budget, out):
    """Capture size, self-atari size, liberties after move, ladders and sensibleness for
    every legal move of ``color``. ``stones`` and ``chain`` are a private copy (ladder reading
    plays on them and restores them)."""
    nn = stones.shape[0]
    n = out.shape[1]
    offsets = np.zeros(nn + 1, dtype=np.int32)
    points = np.empty(4 * nn, dtype=np.int32)
    liberty_lists(stones, chain, nbr, offsets, points)
    mark = np.full(nn, -1, dtype=np.int32)
    heads = np.empty(4, dtype=np.int32)
    for p in range(nn):
        if not legal[p]:
            continue
        n_cap, libs, size = move_facts(stones, chain, nbr, offsets, points, p, color, mark, p,
                                       heads)
        _set(out, CAPTURE_SIZE + min(n_cap, 7), p, n)
        if libs >= 1:
            _set(out, LIBERTIES_AFTER + min(libs, 8) - 1, p, n)
        if libs <= 1:  # in atari, or a suicide (legal under Tromp-Taylor)
            _set(out, SELF_ATARI_SIZE + min(size, 8) - 1, p, n)
        if not kernels.is_eye(stones, nbr, diag, p, color):
            _set(out, SENSIBLENESS, p, n)
        if ladder_capture_move(stones, chain, ckey, nbr, zkeys, p, color, ko, saved_stones,
                               saved_chain, captured, candidates, frames, budget, node_budget):
            _set(out, LADDER_CAPTURE, p, n)
        if ladder_escape_move(stones, chain, ckey, nbr, zkeys, p, color, ko, saved_stones,
                              saved_chain, captured, candidates, frames, budget, node_budget):
            _set(out, LADDER_ESCAPE, p, n)


@dataclass(frozen=True)
class AlphaGoEncoder:
    """The 48 policy-net planes, plus the player colour (49) for the value net."""

    name: str = "alphago48"
    """Registry name."""
    player_colour: bool = False
    """Add the 49th plane, "whether current player is black" (the value network's input)."""
    node_budget: int = NODE_BUDGET
    """Ladder-reading moves per question (see :mod:`dosaku.features.ladder`)."""

    @property
    def planes(self) -> int:
        return 49 if self.player_colour else 48

    @property
    def plane_names(self) -> tuple[str, ...]:
        return plane_names(self.player_colour)

    def encode(self, state: GameState, out: np.ndarray | None = None) -> np.ndarray:
        n = state.size
        out = plane_buffer(out, (self.planes, n, n))
        out[...] = 0
        color = state.to_play
        ages = stone_ages(state.stones, move_array(state), np.empty(n * n, dtype=np.int32))
        stone_planes(state.stones, state.chain, color, ages, out)
        legal = state.legal_mask(color)
        ko = state.ko_point if state.ko_color == color else -1
        scratch = LadderScratch(n)
        move_planes(state.stones.copy(), state.chain.copy(), scratch.ckey, state.nbr,
                    state.diag, state.zkeys, color, ko, legal, *scratch.arrays(),
                    self.node_budget, out)
        if self.player_colour and color == BLACK:
            out[PLAYER_COLOUR] = 1
        return out

    def encode_batch(self, states: Sequence[GameState],
                     out: np.ndarray | None = None) -> np.ndarray:
        return encode_each(self, states, out)
