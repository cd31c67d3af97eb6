"""Numba kernels for stones, chains and liberties: the hot core of the rules.

A board of ``n × n`` points is held in flat NumPy arrays (index ``row * n + col``):

- ``stones``  int8[n*n]: BLACK (1), WHITE (-1) or EMPTY (0).
- ``chain``   int32[4, n*n]: rows ``HEAD`` (the chain's representative stone), ``NEXT`` (a
  circular list through the chain's stones), and, valid at a head only, ``SIZE`` and ``LIBS``,
  the chain's exact number of distinct liberties.
- ``ckey``    uint64[n*n]: at a head, the XOR of the Zobrist keys of the chain's stones, so the
  hash after a capture is known without walking the chain.
- geometry: ``nbr`` and ``diag`` int32[n*n, 4] (neighbours and diagonals, -1 off the board) and
  ``zkeys`` uint64[n*n, 2] (Zobrist keys for black, white), built once per size.

Liberties are kept exact incrementally, as in Leela Zero's FastBoard: a new stone takes one
liberty from each distinct neighbouring chain; merging walks the smaller chain and counts its
liberties the larger one lacks; a capture gives each distinct neighbouring chain one liberty per
removed stone. No move ever recounts a whole chain, so play is O(size of the smaller chain).

Kernels index ``chain[LIBS, chain[HEAD, q]]`` directly rather than taking row views
(``libs = chain[LIBS]``): each view costs numba a reference-count round trip, and measured in
playouts the direct form was 25% faster. The move kernels are inlined into their callers for
the same reason (no array arguments passed through a call).
"""

from __future__ import annotations

from functools import cache

import numpy as np
from numba import njit

HEAD, NEXT, SIZE, LIBS = 0, 1, 2, 3

# Outcome codes of `move_effect`.
OK, OCCUPIED, SUICIDE, SINGLE_SUICIDE = 0, 1, 2, 3

ZOBRIST_SEED = 0x5EED_D05A


@cache
def geometry(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(nbr, diag, zkeys) for an ``n × n`` board; read-only arrays, shared by every game."""
    nbr = np.full((n * n, 4), -1, dtype=np.int32)
    diag = np.full((n * n, 4), -1, dtype=np.int32)
    for r in range(n):
        for c in range(n):
            p = r * n + c
            for k, (dr, dc) in enumerate(((-1, 0), (0, -1), (0, 1), (1, 0))):
                if 0 <= r + dr < n and 0 <= c + dc < n:
                    nbr[p, k] = (r + dr) * n + c + dc
            for k, (dr, dc) in enumerate(((-1, -1), (-1, 1), (1, -1), (1, 1))):
                if 0 <= r + dr < n and 0 <= c + dc < n:
                    diag[p, k] = (r + dr) * n + c + dc
    rng = np.random.Generator(np.random.PCG64(ZOBRIST_SEED + n))
    zkeys = rng.integers(1, np.iinfo(np.uint64).max, size=(n * n, 2), dtype=np.uint64)
    for a in (nbr, diag, zkeys):
        a.setflags(write=False)
    return nbr, diag, zkeys


def empty_arrays(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fresh (stones, chain, ckey) for an empty ``n × n`` board."""
    stones = np.zeros(n * n, dtype=np.int8)
    chain = np.zeros((4, n * n), dtype=np.int32)
    chain[HEAD] = np.arange(n * n)
    chain[NEXT] = np.arange(n * n)
    ckey = np.zeros(n * n, dtype=np.uint64)
    return stones, chain, ckey


@njit(cache=True, inline="always")
def color_index(color):
    return 0 if color == 1 else 1


@njit(cache=True, inline="always")
def first_visit(stones, chain, nbr, p, k):
    """True if neighbour k of p is a stone of a chain that no earlier neighbour of p is in."""
    h = chain[HEAD, nbr[p, k]]
    for j in range(k):
        q = nbr[p, j]
        if q >= 0 and stones[q] != 0 and chain[HEAD, q] == h:
            return False
    return True


@njit(cache=True, inline="always")
def remove_chain(stones, chain, nbr, h, out, n_out):
    """Take chain ``h`` off the board, giving its neighbours their liberties back.

    The removed points are appended to ``out`` from ``n_out``; returns the new count.
    """
    s = h
    while True:
        stones[s] = 0
        out[n_out] = s
        n_out += 1
        s = chain[NEXT, s]
        if s == h:
            break
    while True:
        for k in range(4):
            q = nbr[s, k]
            if q >= 0 and stones[q] != 0 and first_visit(stones, chain, nbr, s, k):
                chain[LIBS, chain[HEAD, q]] += 1
        s = chain[NEXT, s]
        if s == h:
            break
    return n_out


@njit(cache=True, inline="always")
def merge_chains(stones, chain, ckey, nbr, a, b):
    """Merge chains with heads a and b; returns the surviving head (the larger chain's)."""
    if chain[SIZE, a] < chain[SIZE, b]:
        a, b = b, a
    # Count b's liberties that a lacks. Relabelling b's stones as we go means a liberty next to
    # two of b's stones is counted once (the second sees the first, already in a).
    s = b
    while True:
        for k in range(4):
            e = nbr[s, k]
            if e >= 0 and stones[e] == 0:
                shared = False
                for kk in range(4):
                    f = nbr[e, kk]
                    if f >= 0 and stones[f] != 0 and chain[HEAD, f] == a:
                        shared = True
                        break
                if not shared:
                    chain[LIBS, a] += 1
        chain[HEAD, s] = a
        s = chain[NEXT, s]
        if s == b:
            break
    chain[SIZE, a] += chain[SIZE, b]
    ckey[a] ^= ckey[b]
    # splice the two circular lists
    chain[NEXT, a], chain[NEXT, b] = chain[NEXT, b], chain[NEXT, a]
    return a


@njit(cache=True, inline="always")
def place_stone(stones, chain, ckey, nbr, zkeys, p, color, out):
    """Play ``color`` at empty point ``p``: captures, merges, and suicide removal.

    The caller has checked legality; if the new chain is left without liberties it is removed
    (a suicide, only reached where the ruleset allows it). Captured (or self-removed) points are
    written to ``out``. Returns ``(n_captured, n_self_removed, hash_delta, ko_point)`` where
    ``ko_point`` is the point a simple-ko rule forbids next (-1 if none).
    """
    zk = zkeys[p, color_index(color)]
    stones[p] = color
    chain[HEAD, p] = p
    chain[NEXT, p] = p
    chain[SIZE, p] = 1
    chain[LIBS, p] = 0
    ckey[p] = zk
    delta = zk
    for k in range(4):
        q = nbr[p, k]
        if q < 0:
            continue
        if stones[q] == 0:
            chain[LIBS, p] += 1
        elif first_visit(stones, chain, nbr, p, k):
            chain[LIBS, chain[HEAD, q]] -= 1
    # Captures first (any opponent chain now without liberties), then merges.
    n_cap = 0
    for k in range(4):
        q = nbr[p, k]
        if q >= 0 and stones[q] == -color and chain[LIBS, chain[HEAD, q]] == 0:
            delta ^= ckey[chain[HEAD, q]]
            n_cap = remove_chain(stones, chain, nbr, chain[HEAD, q], out, n_cap)
    h = p
    for k in range(4):
        q = nbr[p, k]
        if q >= 0 and stones[q] == color and chain[HEAD, q] != h:
            h = merge_chains(stones, chain, ckey, nbr, h, chain[HEAD, q])
    ko = -1
    n_self = 0
    if chain[LIBS, h] == 0:
        delta ^= ckey[h]
        n_self = remove_chain(stones, chain, nbr, h, out, n_cap) - n_cap
    elif n_cap == 1 and chain[SIZE, h] == 1 and chain[LIBS, h] == 1:
        ko = out[0]
    return n_cap, n_self, delta, ko


@njit(cache=True)
def move_effect(stones, chain, ckey, nbr, zkeys, p, color):
    """What playing ``color`` at ``p`` would do, without doing it.

    Returns ``(outcome, hash_delta)``: outcome is OK, OCCUPIED, SUICIDE (a chain of several
    stones would remove itself) or SINGLE_SUICIDE (a lone stone with no liberty and no capture);
    ``hash_delta`` XORed into the position hash gives the position after the move.
    """
    if stones[p] != 0:
        return OCCUPIED, np.uint64(0)
    delta = zkeys[p, color_index(color)]
    breathes = False
    own_delta = np.uint64(0)
    own_chains = 0
    for k in range(4):
        q = nbr[p, k]
        if q < 0:
            continue
        if stones[q] == 0:
            breathes = True
        elif first_visit(stones, chain, nbr, p, k):
            h = chain[HEAD, q]
            if stones[q] == color:
                own_chains += 1
                own_delta ^= ckey[h]
                if chain[LIBS, h] > 1:
                    breathes = True
            elif chain[LIBS, h] == 1:
                delta ^= ckey[h]
                breathes = True
    if breathes:
        return OK, delta
    if own_chains == 0:
        return SINGLE_SUICIDE, np.uint64(0)
    return SUICIDE, own_delta


@njit(cache=True, inline="always")
def is_eye(stones, nbr, diag, p, color):
    """A point whose neighbours are all ``color`` and whose diagonals do not make it false.

    The usual playout rule (Pachi, michi): at most one opponent diagonal in the centre, none
    on the edge or in the corner.
    """
    if stones[p] != 0:
        return False
    for k in range(4):
        q = nbr[p, k]
        if q >= 0 and stones[q] != color:
            return False
    bad = 0
    edge = False
    for k in range(4):
        d = diag[p, k]
        if d < 0:
            edge = True
        elif stones[d] == -color:
            bad += 1
    if edge:
        return bad == 0
    return bad < 2


# ---------------------------------------------------------------------------------------------
# Superko history: an open-addressing hash set of position keys with counts, in NumPy arrays so
# numba kernels (the legal-move mask) can query it. Removals are LIFO (undo), which linear
# probing supports exactly: nothing inserted earlier can have probed past the newest key's slot.


@njit(cache=True, inline="always")
def _slot(keys, key):
    mask = keys.shape[0] - 1
    i = np.int64(key & np.uint64(mask))
    while keys[i] != 0 and keys[i] != key:
        i = (i + 1) & mask
    return i


@njit(cache=True)
def history_add(keys, counts, key):
    """Add one occurrence of ``key``; returns True if it was new. Keep load below 1/2."""
    i = _slot(keys, key)
    new = keys[i] == 0
    keys[i] = key
    counts[i] += 1
    return new


@njit(cache=True)
def history_contains(keys, key):
    return keys[_slot(keys, key)] == key


@njit(cache=True)
def history_rebuild(old_keys, old_counts, keys, counts):
    for i in range(old_keys.shape[0]):
        if old_keys[i] != 0:
            j = _slot(keys, old_keys[i])
            keys[j] = old_keys[i]
            counts[j] = old_counts[i]


# ---------------------------------------------------------------------------------------------


@njit(cache=True)
def legal_mask(stones, chain, ckey, nbr, zkeys, color, ko_point, allow_suicide,
               check_history, hkeys, position_key, side_key, out):
    """Fill ``out`` (bool[n*n + 1]) with the legality of every move for ``color``; pass is legal.

    ``position_key`` is the current position hash (with the side key mixed in for situational
    superko) and ``side_key`` what changes when the turn passes (0 for positional superko).
    With ``check_history`` a move is illegal if it recreates a key in ``hkeys``.
    """
    nn = stones.shape[0]
    for p in range(nn):
        out[p] = False
        if p == ko_point or stones[p] != 0:
            continue
        outcome, delta = move_effect(stones, chain, ckey, nbr, zkeys, p, color)
        if outcome == SINGLE_SUICIDE or (outcome == SUICIDE and not allow_suicide):
            continue
        if check_history and history_contains(hkeys, position_key ^ delta ^ side_key):
            continue
        out[p] = True
    out[nn] = True
    return out


@njit(cache=True)
def liberty_points(stones, chain, nbr, p, out):
    """Write the distinct liberties of the chain at ``p`` into ``out``; returns their count."""
    h = chain[HEAD, p]
    n = 0
    s = h
    while True:
        for k in range(4):
            e = nbr[s, k]
            if e >= 0 and stones[e] == 0:
                dup = False
                for i in range(n):
                    if out[i] == e:
                        dup = True
                        break
                if not dup:
                    out[n] = e
                    n += 1
        s = chain[NEXT, s]
        if s == h:
            break
    return n


@njit(cache=True)
def check_consistency(stones, chain, ckey, nbr, zkeys):
    """Recompute chains and liberties from the stones alone and compare (tests only).

    Returns 0 if consistent, else a nonzero code naming the first field that disagrees:
    1 head/membership, 2 size, 3 liberties, 4 chain key, 5 a chain without liberties.
    """
    nn = stones.shape[0]
    seen = np.zeros(nn, dtype=np.bool_)
    stack = np.empty(nn, dtype=np.int64)
    lib_mark = np.full(nn, -1, dtype=np.int64)
    for p in range(nn):
        if stones[p] == 0 or seen[p]:
            continue
        color = stones[p]
        h = chain[HEAD, p]
        top = 0
        stack[top] = p
        top += 1
        seen[p] = True
        count = 0
        nlibs = 0
        key = np.uint64(0)
        while top > 0:
            top -= 1
            s = stack[top]
            count += 1
            key ^= zkeys[s, color_index(color)]
            if chain[HEAD, s] != h:
                return 1
            for k in range(4):
                q = nbr[s, k]
                if q < 0:
                    continue
                if stones[q] == color and not seen[q]:
                    seen[q] = True
                    stack[top] = q
                    top += 1
                elif stones[q] == 0 and lib_mark[q] != p:
                    lib_mark[q] = p
                    nlibs += 1
        # the circular list must visit exactly the chain
        walk = 0
        s = h
        while True:
            walk += 1
            if stones[s] != color or walk > nn:
                return 1
            s = chain[NEXT, s]
            if s == h:
                break
        if walk != count:
            return 1
        if chain[SIZE, h] != count:
            return 2
        if chain[LIBS, h] != nlibs:
            return 3
        if ckey[h] != key:
            return 4
        if nlibs == 0:
            return 5
    return 0


@njit(cache=True)
def rebuild_chains(stones, chain, ckey, nbr, zkeys):
    """Recompute every chain, size, liberty count and key from ``stones`` (set-up positions).

    Returns the number of chains left without liberties (an impossible position if nonzero).
    """
    nn = stones.shape[0]
    for p in range(nn):
        chain[HEAD, p] = p
        chain[NEXT, p] = p
        chain[SIZE, p] = 0
        chain[LIBS, p] = 0
        ckey[p] = 0
    seen = np.zeros(nn, dtype=np.bool_)
    stack = np.empty(nn, dtype=np.int64)
    lib_mark = np.full(nn, -1, dtype=np.int64)
    dead = 0
    for p in range(nn):
        if stones[p] == 0 or seen[p]:
            continue
        color = stones[p]
        ci = color_index(color)
        top = 1
        stack[0] = p
        seen[p] = True
        prev = p
        while top > 0:
            top -= 1
            s = stack[top]
            chain[HEAD, s] = p
            if s != p:  # thread s into p's circular list
                chain[NEXT, s] = chain[NEXT, prev]
                chain[NEXT, prev] = s
                prev = s
            chain[SIZE, p] += 1
            ckey[p] ^= zkeys[s, ci]
            for k in range(4):
                q = nbr[s, k]
                if q < 0:
                    continue
                if stones[q] == color and not seen[q]:
                    seen[q] = True
                    stack[top] = q
                    top += 1
                elif stones[q] == 0 and lib_mark[q] != p:
                    lib_mark[q] = p
                    chain[LIBS, p] += 1
        if chain[LIBS, p] == 0:
            dead += 1
    return dead


# Outcome codes of `play_move` (0 = played).
PLAYED, ILLEGAL_OCCUPIED, ILLEGAL_KO, ILLEGAL_SUICIDE, ILLEGAL_SUPERKO = 0, 1, 2, 3, 4


@njit(cache=True)
def play_move(stones, chain, ckey, nbr, zkeys, hkeys, hcounts, p, color, ko_point,
              allow_suicide, check_history, key_after, out):
    """Check a move and, if legal, play it and record the new position: one call per move.

    ``key_after`` is the history key of the current stones once ``color`` has moved (see
    ``GameState._key_after``); the key after the move is ``key_after ^ delta``.
    Returns ``(status, n_captured, n_self_removed, hash_delta, ko_point, new_key)`` where status
    is PLAYED or an ILLEGAL_* code (nothing changed then) and ``new_key`` says whether the
    recorded key was new to the history table.
    """
    outcome, delta = move_effect(stones, chain, ckey, nbr, zkeys, p, color)
    if outcome == OCCUPIED:
        return ILLEGAL_OCCUPIED, 0, 0, np.uint64(0), -1, False
    if p == ko_point:
        return ILLEGAL_KO, 0, 0, np.uint64(0), -1, False
    if outcome == SINGLE_SUICIDE or (outcome == SUICIDE and not allow_suicide):
        return ILLEGAL_SUICIDE, 0, 0, np.uint64(0), -1, False
    if check_history and history_contains(hkeys, key_after ^ delta):
        return ILLEGAL_SUPERKO, 0, 0, np.uint64(0), -1, False
    n_cap, n_self, delta, ko = place_stone(stones, chain, ckey, nbr, zkeys, p, color, out)
    new_key = history_add(hkeys, hcounts, key_after ^ delta)
    return PLAYED, n_cap, n_self, delta, ko, new_key
