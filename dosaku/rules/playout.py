"""Random playouts and Tromp-Taylor area counting, compiled with numba.

A *light* playout plays uniformly random legal moves that do not fill the mover's own eyes
(:func:`dosaku.rules.board.is_eye`) until both sides pass: the Monte-Carlo baseline of Pachi and
of the 2006-2008 MCTS programs, and the ownership estimate behind dead-stone marking. Playouts
check simple ko and suicide but not superko (as in Pachi); a move cap ends the rare long cycle.

Candidates are drawn from a list of empty points kept in step with captures, so a draw is O(1)
and rejected points (eyes, suicides, ko) are set aside for the rest of that turn only.

Random numbers come from an explicit xorshift64* state (a uint64[1] array), never a global.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from . import board as kernels
from .board import is_eye, place_stone


def new_rng(seed: int) -> np.ndarray:
    """A xorshift64* state for the playout kernels (seed 0 is remapped: the state must be != 0)."""
    return np.array([(seed * 0x9E3779B97F4A7C15 + 0x2545F4914F6CDD1D) % 2**64 or 1],
                    dtype=np.uint64)


@njit(cache=True, inline="always")
def rand_below(rng, k):
    """Uniform integer in [0, k) for k < 2**32, by xorshift64* and a multiply-shift."""
    x = rng[0]
    x ^= x >> np.uint64(12)
    x ^= x << np.uint64(25)
    x ^= x >> np.uint64(27)
    rng[0] = x
    high = (x * np.uint64(2685821657736338717)) >> np.uint64(32)
    return np.int64((high * np.uint64(k)) >> np.uint64(32))


@njit(cache=True, inline="always")
def breathes(stones, chain, nbr, p, color):
    """True if a stone of ``color`` at empty ``p`` would have a liberty (own, or by capture)."""
    for k in range(4):
        q = nbr[p, k]
        if q < 0:
            continue
        v = stones[q]
        if v == 0:
            return True
        lib = chain[kernels.LIBS, chain[kernels.HEAD, q]]
        if (v == color and lib > 1) or (v != color and lib == 1):
            return True
    return False


@njit(cache=True, inline="always")
def list_empties(stones, empties, where):
    """Write the empty points into ``empties`` and each one's index into ``where`` (-1 for a
    stone); returns how many there are. The list a playout draws its moves from."""
    n_empty = 0
    for p in range(stones.shape[0]):
        where[p] = -1
        if stones[p] == 0:
            empties[n_empty] = p
            where[p] = n_empty
            n_empty += 1
    return n_empty


@njit(cache=True, inline="always")
def update_empties(move, out, n_cap, empties, where, n_empty):
    """``move`` was played and ``out[:n_cap]`` captured: take ``move`` off the list, put the
    captured points back; returns the new count."""
    n_empty -= 1
    i = where[move]
    tail = empties[n_empty]
    empties[i] = tail
    where[tail] = i
    where[move] = -1
    for j in range(n_cap):
        empties[n_empty] = out[j]
        where[out[j]] = n_empty
        n_empty += 1
    return n_empty


@njit(cache=True)
def playout(stones, chain, ckey, nbr, diag, zkeys, color, ko_point, max_moves, rng,
            empties, where, out):
    """Play random non-eye-filling moves from ``color`` until two passes or ``max_moves``.

    Works in place on (stones, chain, ckey). ``empties``/``where`` are int32[n*n] scratch and
    ``out`` int32[n*n] capture scratch. Returns the number of stones placed.
    """
    n_empty = list_empties(stones, empties, where)
    passes = 0
    placed = 0
    ko = ko_point
    while passes < 2 and placed < max_moves:
        k = n_empty
        move = -1
        while k > 0:
            i = rand_below(rng, k)
            p = empties[i]
            if (p != ko and not is_eye(stones, nbr, diag, p, color)
                    and breathes(stones, chain, nbr, p, color)):
                move = p
                break
            # set p aside for this turn: swap it behind the live range
            k -= 1
            q = empties[k]
            empties[i], empties[k] = q, p
            where[q], where[p] = i, k
        if move < 0:
            passes += 1
            ko = -1
        else:
            passes = 0
            placed += 1
            n_cap, _, _, ko = place_stone(stones, chain, ckey, nbr, zkeys, move, color, out)
            n_empty = update_empties(move, out, n_cap, empties, where, n_empty)
        color = -color
    return placed


@njit(cache=True)
def area_ownership(stones, nbr, owner, stack, region):
    """Tromp-Taylor ownership: each point's stone colour, or for an empty point the colour of
    the only colour its empty region reaches (0 if it reaches both or neither).

    Writes int8 ``owner`` and returns (black points, white points); ``stack`` and ``region``
    are int32[n*n] scratch.
    """
    nn = stones.shape[0]
    for p in range(nn):
        owner[p] = stones[p]
    region[:] = -1
    for p in range(nn):
        if stones[p] != 0 or region[p] >= 0:
            continue
        reach = 0  # bit 1: black, bit 2: white
        top = 1
        stack[0] = p
        region[p] = p
        members = 0
        while top > 0:
            top -= 1
            s = stack[top]
            stack[nn - 1 - members] = s  # remember members at the far end of `stack`
            members += 1
            for k in range(4):
                q = nbr[s, k]
                if q < 0:
                    continue
                if stones[q] == 1:
                    reach |= 1
                elif stones[q] == -1:
                    reach |= 2
                elif region[q] < 0:
                    region[q] = p
                    stack[top] = q
                    top += 1
        value = 1 if reach == 1 else (-1 if reach == 2 else 0)
        for m in range(members):
            owner[stack[nn - 1 - m]] = value
    black = 0
    white = 0
    for p in range(nn):
        if owner[p] == 1:
            black += 1
        elif owner[p] == -1:
            white += 1
    return black, white


class PlayoutBoard:
    """Reusable scratch for repeated playouts from one position (no allocation per playout)."""

    def __init__(self, state, seed: int = 0):
        self.state = state
        n = state.size * state.size
        self.stones = np.empty_like(state.stones)
        self.chain = np.empty_like(state.chain)
        self.ckey = np.empty_like(state.ckey)
        self.empties = np.empty(n, dtype=np.int32)
        self.where = np.empty(n, dtype=np.int32)
        self.out = np.empty(n, dtype=np.int32)
        self.owner = np.empty(n, dtype=np.int8)
        self.stack = np.empty(n, dtype=np.int32)
        self.rng = new_rng(seed)
        self.max_moves = 3 * n
        self.moves_played = 0

    def run(self) -> float:
        """One playout from the state; returns its Tromp-Taylor score (black - white - komi)."""
        s = self.state
        np.copyto(self.stones, s.stones)
        np.copyto(self.chain, s.chain)
        np.copyto(self.ckey, s.ckey)
        self.moves_played = playout(
            self.stones, self.chain, self.ckey, s.nbr, s.diag, s.zkeys, s.to_play,
            s.ko_point if s.ko_color == s.to_play else -1, self.max_moves, self.rng,
            self.empties, self.where, self.out)
        black, white = area_ownership(self.stones, s.nbr, self.owner, self.stack, self.where)
        return black - white - s.komi


@njit(cache=True, nogil=True)
def run_playouts(stones, chain, ckey, nbr, diag, zkeys, color, ko_point, komi, n_playouts,
                 max_moves, rng, scores, ownership):
    """Run ``n_playouts`` playouts from one position; the position arrays are left untouched.

    Writes each playout's Tromp-Taylor score (black - white - komi) into ``scores`` and the mean
    ownership of every point (+1 black .. -1 white) into ``ownership`` (float64[n*n]). One call
    does all the work, so batches of playouts (rollouts at a search leaf, dead-stone estimates,
    the benchmark) pay Python's call overhead once. It releases the GIL, so rollouts can run
    in a thread beside a network's forward pass (AlphaGo's asynchronous rollouts).
    """
    if n_playouts > scores.shape[0]:
        raise ValueError("scores is shorter than n_playouts")
    nn = stones.shape[0]
    s2 = np.empty_like(stones)
    c2 = np.empty_like(chain)
    k2 = np.empty_like(ckey)
    empties = np.empty(nn, dtype=np.int32)
    where = np.empty(nn, dtype=np.int32)
    out = np.empty(nn, dtype=np.int32)
    owner = np.empty(nn, dtype=np.int8)
    stack = np.empty(nn, dtype=np.int32)
    ownership[:] = 0.0
    for i in range(n_playouts):
        s2[:] = stones
        c2[:] = chain
        k2[:] = ckey
        playout(s2, c2, k2, nbr, diag, zkeys, color, ko_point, max_moves, rng, empties, where, out)
        black, white = area_ownership(s2, nbr, owner, stack, where)
        scores[i] = black - white - komi
        for p in range(nn):
            ownership[p] += owner[p]
    for p in range(nn):
        ownership[p] /= max(n_playouts, 1)
