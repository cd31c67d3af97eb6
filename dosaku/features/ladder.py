"""A ladder reader in numba: can a chain in atari be chased down by successive ataris?

AlphaGo's policy net sees two ladder planes (Silver et al. 2016, Extended Data Table 2):
*ladder capture*, "whether a move at this point is a successful ladder capture", and *ladder
escape*, "whether a move at this point is a successful ladder escape". Both rest on one
question, answered here by a small AND-OR search:

- the *prey* is a chain, the *defender* its owner, the *attacker* the other colour;
- defender to move, prey in atari (one liberty): the defender tries every move that could
  save it, extending on the liberty or capturing an attacker chain in atari that touches the
  prey (a counter-capture). A move that leaves three or more liberties escapes; one that leaves
  two escapes unless the attacker can go on; one that leaves one liberty fails;
- attacker to move, prey with two liberties: the attacker tries an atari on each liberty.

Only ataris are tried, so this reads ladders (and short capturing races built of ataris), not
nets or life and death. Ko is respected move by move: a ko just taken cannot be taken back at
once. Positional superko is ignored inside the reading.

Reading works on a private copy of the board (``stones`` and ``chain`` as in
:mod:`dosaku.rules.board`), saved before each move and restored after it, one saved copy per
ply. A node budget bounds the work; when it runs out, or the reading is deeper than the saved
copies, the prey counts as escaped (no plane claims a ladder it did not read to the end).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ..rules import board as kernels
from ..rules.board import HEAD, LIBS, NEXT, OK
from ..rules.coords import to_gtp
from ..rules.game import GameState
from ..rules.types import EMPTY, Move
from .moves import play_stone

NODE_BUDGET = 3000
"""Moves tried per question before giving up (the longest test ladders need ~300)."""

MAX_CANDIDATES = 32
"""Defender moves considered per ply: the liberty plus counter-captures."""


class LadderScratch:
    """Work arrays for reading ladders on an ``n × n`` board: one saved board per ply.

    ``depth`` plies can be read (each ply is one move); the default, ``n * n // 2``, covers a
    ladder running corner to corner. Not shared between threads.
    """

    def __init__(self, n: int, depth: int | None = None):
        nn = n * n
        depth = max(8, nn // 2) if depth is None else depth
        self.stones = np.empty((depth, nn), dtype=np.int8)
        self.chain = np.empty((depth, 4, nn), dtype=np.int32)
        self.ckey = np.zeros(nn, dtype=np.uint64)  # hashes are not read; any buffer will do
        self.captured = np.empty(nn, dtype=np.int32)
        self.candidates = np.empty((depth, MAX_CANDIDATES), dtype=np.int32)
        self.frames = np.empty((depth, 3), dtype=np.int32)
        self.budget = np.zeros(1, dtype=np.int64)

    def arrays(self):
        """The kernels' trailing arguments: saved stones and chains, capture buffer,
        candidate and frame rows, budget counter."""
        return (self.stones, self.chain, self.captured, self.candidates, self.frames,
                self.budget)


@njit(cache=True, inline="always")
def _save(stones, chain, saved_stones, saved_chain, d):
    saved_stones[d, :] = stones
    saved_chain[d, :, :] = chain


@njit(cache=True, inline="always")
def _restore(stones, chain, saved_stones, saved_chain, d):
    stones[:] = saved_stones[d]
    chain[:, :] = saved_chain[d]


@njit(cache=True, inline="always")
def _liberty_of(stones, chain, nbr, h, skip):
    """A liberty of the chain with head ``h`` other than ``skip`` (-1 if none)."""
    s = h
    while True:
        for k in range(4):
            e = nbr[s, k]
            if e >= 0 and stones[e] == 0 and e != skip:
                return e
        s = chain[NEXT, s]
        if s == h:
            return -1


@njit(cache=True)
def _defender_moves(stones, chain, nbr, prey, out):
    """Write the defender's candidate moves (liberty, then counter-captures) to ``out``."""
    h = chain[HEAD, prey]
    color = stones[prey]
    out[0] = _liberty_of(stones, chain, nbr, h, -1)
    n = 1
    s = h
    while True:
        for k in range(4):
            q = nbr[s, k]
            if q >= 0 and stones[q] == -color and chain[LIBS, chain[HEAD, q]] == 1:
                lib = _liberty_of(stones, chain, nbr, chain[HEAD, q], -1)
                seen = False
                for i in range(n):
                    if out[i] == lib:
                        seen = True
                if not seen and n < out.shape[0]:
                    out[n] = lib
                    n += 1
        s = chain[NEXT, s]
        if s == h:
            return n


@njit(cache=True)
def _captured(stones, chain, ckey, nbr, zkeys, prey, ko, attacker_turn, base,
              saved_stones, saved_chain, captured, candidates, frames, budget):
    """True if the prey (the chain at point ``prey``) is captured by ladder.

    ``attacker_turn``: the attacker is to move and the prey has two liberties; otherwise the
    defender is to move and the prey has one. ``ko`` is the point the side to move may not
    play (a ko just taken), -1 if none. Plies are saved from row ``base`` on.

    The AND-OR search is a depth-first walk with an explicit stack (numba cannot cache a
    recursive function): row ``d`` of ``candidates`` holds the moves of the node at ply ``d``
    and row ``d`` of ``frames`` its (move count, next move, ko point). An attacker node is won
    (captured) if any move wins; a defender node if every move does.
    """
    color = stones[prey]
    top = base
    frames[top, 0] = _node_moves(stones, chain, nbr, prey, attacker_turn, candidates[top])
    frames[top, 1] = 0
    frames[top, 2] = ko
    budget[0] -= 1
    value = False
    returning = False
    while True:
        attacking = attacker_turn == ((top - base) % 2 == 0)
        if returning:  # the child of `top` just got `value`
            _restore(stones, chain, saved_stones, saved_chain, top)
            returning = False
            if value == attacking:  # attacker found a capture / defender found an escape
                if top == base:
                    return value
                top -= 1
                returning = True
                continue
        descended = False
        while frames[top, 1] < frames[top, 0]:
            m = candidates[top, frames[top, 1]]
            frames[top, 1] += 1
            mover = -color if attacking else color
            if m < 0 or m == frames[top, 2]:
                continue
            outcome, _ = kernels.move_effect(stones, chain, ckey, nbr, zkeys, m, mover)
            if outcome != OK:
                continue
            _save(stones, chain, saved_stones, saved_chain, top)
            _, _, _, next_ko = play_stone(stones, chain, ckey, nbr, zkeys, m, mover,
                                                   captured)
            libs = chain[LIBS, chain[HEAD, prey]]
            open_node = libs == 1 if attacking else libs == 2
            if open_node and budget[0] > 0 and top + 1 < saved_stones.shape[0]:
                budget[0] -= 1
                top += 1
                frames[top, 0] = _node_moves(stones, chain, nbr, prey, not attacking,
                                             candidates[top])
                frames[top, 1] = 0
                frames[top, 2] = next_ko
                descended = True
                break
            # a leaf: one liberty left after the defender's move is a capture; anything else
            # (or a reading cut short) counts as an escape
            leaf = (not attacking) and libs == 1
            _restore(stones, chain, saved_stones, saved_chain, top)
            if leaf == attacking:
                value = leaf
                break
        else:  # every move tried: the attacker failed, or the defender could not escape
            value = not attacking
            descended = False
            if top == base:
                return value
            top -= 1
            returning = True
            continue
        if descended:
            continue
        # a leaf decided this node
        if top == base:
            return value
        top -= 1
        returning = True


@njit(cache=True)
def _node_moves(stones, chain, nbr, prey, attacking, out):
    """The moves of a node: the prey's two liberties for the attacker, else the defender's."""
    if attacking:
        out[0] = _liberty_of(stones, chain, nbr, chain[HEAD, prey], -1)
        out[1] = _liberty_of(stones, chain, nbr, chain[HEAD, prey], out[0])
        return 2
    return _defender_moves(stones, chain, nbr, prey, out)


@njit(cache=True)
def read_ladder(stones, chain, ckey, nbr, zkeys, prey, ko, attacker_turn, saved_stones,
                saved_chain, captured, candidates, frames, budget, node_budget):
    """Is the chain at ``prey`` captured by ladder? See :func:`_captured`; the board arrays are
    worked on and left as they were. ``node_budget`` moves may be tried."""
    budget[0] = node_budget
    return _captured(stones, chain, ckey, nbr, zkeys, prey, ko, attacker_turn, 0,
                     saved_stones, saved_chain, captured, candidates, frames, budget)


@njit(cache=True, inline="always")
def _open_neighbours(stones, nbr, q, skip):
    """Empty neighbours of ``q`` other than ``skip``: a lower bound on the liberties a stone
    at ``q`` would have, however the surrounding chains connect."""
    count = 0
    for k in range(4):
        e = nbr[q, k]
        if e >= 0 and e != skip and stones[e] == 0:
            count += 1
    return count


@njit(cache=True)
def ladder_capture_move(stones, chain, ckey, nbr, zkeys, p, color, ko, saved_stones,
                        saved_chain, captured, candidates, frames, budget, node_budget):
    """True if ``color`` playing the empty point ``p`` ataris an adjacent opponent chain of two
    liberties that then cannot escape the ladder. The board is left as it was.

    A chain whose other liberty has three empty neighbours besides ``p`` runs out at once
    (extending there gives three liberties), so it is not read: most candidates end here,
    before any board is copied.
    """
    chased = 0  # bit k: neighbour k is a chain worth reading
    for k in range(4):
        q = nbr[p, k]
        if q >= 0 and stones[q] == -color and chain[LIBS, chain[HEAD, q]] == 2:
            other = _liberty_of(stones, chain, nbr, chain[HEAD, q], p)
            if _open_neighbours(stones, nbr, other, p) < 3:
                chased |= 1 << k
    if chased == 0 or p == ko:
        return False
    outcome, _ = kernels.move_effect(stones, chain, ckey, nbr, zkeys, p, color)
    if outcome != OK:
        return False
    _save(stones, chain, saved_stones, saved_chain, 0)
    _, _, _, next_ko = play_stone(stones, chain, ckey, nbr, zkeys, p, color, captured)
    found = False
    budget[0] = node_budget
    for k in range(4):
        q = nbr[p, k]
        if (not found and chased & (1 << k) and stones[q] == -color
                and chain[LIBS, chain[HEAD, q]] == 1):
            # a chain this move took from two liberties to one: can it run?
            found = _captured(stones, chain, ckey, nbr, zkeys, q, next_ko, False, 1,
                              saved_stones, saved_chain, captured, candidates, frames, budget)
    _restore(stones, chain, saved_stones, saved_chain, 0)
    return found


@njit(cache=True)
def ladder_escape_move(stones, chain, ckey, nbr, zkeys, p, color, ko, saved_stones,
                       saved_chain, captured, candidates, frames, budget, node_budget):
    """True if ``color`` playing the empty point ``p`` saves one of its chains in atari from
    the ladder: ``p`` is a defender move for it (its liberty, or a counter-capture) after
    which it has three liberties, or two and the attacker's ladder fails."""
    if p == ko:
        return False
    tried = False
    for k in range(4):
        q = nbr[p, k]
        if q < 0 or stones[q] == 0 or chain[LIBS, chain[HEAD, q]] != 1:
            continue
        if not tried:  # legality once, and only where a chain in atari is near
            outcome, _ = kernels.move_effect(stones, chain, ckey, nbr, zkeys, p, color)
            if outcome != OK:
                return False
            tried = True
        if stones[q] == color:  # p extends our chain in atari
            if _open_neighbours(stones, nbr, p, -1) >= 3:
                return True  # three liberties at once, whatever else happens
            if _escapes(stones, chain, ckey, nbr, zkeys, p, color, q, saved_stones,
                        saved_chain, captured, candidates, frames, budget, node_budget):
                return True
            continue
        h = chain[HEAD, q]  # p captures this chain: do our chains in atari around it run?
        s = h
        while True:
            for j in range(4):
                r = nbr[s, j]
                if (r >= 0 and stones[r] == color and chain[LIBS, chain[HEAD, r]] == 1
                        and _escapes(stones, chain, ckey, nbr, zkeys, p, color, r,
                                     saved_stones, saved_chain, captured, candidates,
                                     frames, budget, node_budget)):
                    return True
            s = chain[NEXT, s]
            if s == h:
                break
    return False


@njit(cache=True)
def _escapes(stones, chain, ckey, nbr, zkeys, p, color, prey, saved_stones, saved_chain,
             captured, candidates, frames, budget, node_budget):
    """Play ``p`` for ``color`` and ask whether the prey is out of the ladder."""
    _save(stones, chain, saved_stones, saved_chain, 0)
    _, _, _, next_ko = play_stone(stones, chain, ckey, nbr, zkeys, p, color, captured)
    libs = chain[LIBS, chain[HEAD, prey]]
    budget[0] = node_budget
    escaped = libs >= 3 or (libs == 2 and not _captured(
        stones, chain, ckey, nbr, zkeys, prey, next_ko, True, 1, saved_stones, saved_chain,
        captured, candidates, frames, budget))
    _restore(stones, chain, saved_stones, saved_chain, 0)
    return escaped


# -- on a GameState --------------------------------------------------------------------------

def _board_copy(state: GameState) -> tuple[np.ndarray, np.ndarray]:
    return state.stones.copy(), state.chain.copy()


def _ko_for(state: GameState, color: int) -> int:
    return state.ko_point if state.ko_color == color else -1


def ladder_captured(state: GameState, point: Move, node_budget: int = NODE_BUDGET) -> bool:
    """Is the chain at ``point`` lost to a ladder?

    In atari (one liberty), its owner moves first: Pachi's ``is_ladder`` question
    (``t-unit/ladder.t``). With two liberties, the opponent moves first, giving atari.
    Raises ValueError if the point is empty or its chain has more liberties.
    """
    color = state.color_at(point)
    libs = state.liberties(point)
    if color == EMPTY or libs not in (1, 2):
        raise ValueError(f"{to_gtp(point, state.size)} is not a chain with one or two "
                         f"liberties")
    stones, chain = _board_copy(state)
    scratch = LadderScratch(state.size)
    mover = color if libs == 1 else -color
    return bool(read_ladder(stones, chain, scratch.ckey, state.nbr, state.zkeys, point,
                            _ko_for(state, mover), libs == 2, *scratch.arrays(), node_budget))


def is_ladder_capture(state: GameState, move: Move, color: int | None = None,
                      node_budget: int = NODE_BUDGET) -> bool:
    """Does ``color`` (default: the side to move) playing ``move`` start a working ladder?"""
    return _ask_ladder(ladder_capture_move, state, move, color, node_budget)


def is_ladder_escape(state: GameState, move: Move, color: int | None = None,
                     node_budget: int = NODE_BUDGET) -> bool:
    """Does ``color`` (default: the side to move) playing ``move`` save a chain in atari?"""
    return _ask_ladder(ladder_escape_move, state, move, color, node_budget)


def _ask_ladder(kernel, state: GameState, move: Move, color: int | None,
                node_budget: int) -> bool:
    """Run ``kernel`` (ladder_capture_move or ladder_escape_move) on a copy of the board."""
    color = state.to_play if color is None else color
    if move == state.pass_move or state.color_at(move) != EMPTY:
        return False
    stones, chain = _board_copy(state)
    scratch = LadderScratch(state.size)
    return bool(kernel(stones, chain, scratch.ckey, state.nbr, state.zkeys, move, color,
                       _ko_for(state, color), *scratch.arrays(), node_budget))
