"""UCT with RAVE and heuristic priors: the classical Monte-Carlo tree search, in numba.

Terms:

- A *simulation* descends the tree from the root, choosing at each node the child of highest
  *urgency*, expands a leaf once it has been visited ``expand_visits`` times, finishes the game
  with a heavy playout (:mod:`dosaku.rules.heavy_playout`), scores it by Tromp-Taylor area and
  backs the result (1 win, 0 loss, 1/2 draw) up the path: each node holds the wins of the
  player who made its move.
- *AMAF / RAVE* (Gelly and Silver 2007, "Combining online and offline knowledge in UCT"): a
  node's child for move m also learns from every simulation in which the player to move at the
  node played m later on (in the tree or the playout), before the opponent did. The urgency
  mixes the child's own rate with its AMAF rate, weight
  ``beta = a / (a + v + v * a / rave_equiv)`` on AMAF (v, a: own and AMAF visits), the
  minimum-MSE schedule of Gelly and Silver (2011, "Monte-Carlo tree search and rapid action
  value estimation in computer Go"), as in Pachi and michi.
- *Priors* (michi, Baudiš 2015; Pachi's prior.c): a new child starts with virtual visits and
  wins: an even prior for every move, plus more for captures and escapes from atari (not into
  a ladder), the first move of a ladder that takes two stones or more, MoGo 3×3 patterns,
  closeness to the last move in common-fate-graph distance, the third line or above in an
  empty area; and a virtual loss for self-atari and for the first two lines in an empty area.
  Like michi there is no exploration term: priors and RAVE do the exploring.

The tree is a structure of arrays (:class:`Tree`); a node's children are one contiguous block.
Moves in the tree follow simple ko and forbid suicide; superko is enforced at the root only
(``blocked`` children), where the player actually chooses. The pass is a child only where no
other move is playable, as in the playouts; passing is the player's decision
(:mod:`dosaku.agents.mcts`). Values are from the side that made the move into a node; the
sign flips in one place, :func:`backup`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from numba import njit

from dosaku.rules.board import HEAD, LIBS, SIZE, place_stone
from dosaku.rules.heavy_playout import (CAPTURE_P, N_POLICY, PATTERN_P, SELF_ATARI_P_RANDOM,
                                        SELF_ATARI_P_SUGGESTED, a_liberty, counter_captures,
                                        escapes, heavy_playout, is_self_atari, ladder_attack,
                                        new_ladder_scratch, playable)
from dosaku.rules.patterns import matches_pattern
from dosaku.rules.playout import area_ownership, rand_below

# Indices into the float64 parameter array the kernels read (built by UctConfig.params()).
(RAVE_EQUIV, EXPAND_VISITS, PRIOR_EVEN, PRIOR_SELF_ATARI, PRIOR_CAPTURE_ONE, PRIOR_CAPTURE_MANY,
 PRIOR_PATTERN, PRIOR_CFG1, PRIOR_CFG2, PRIOR_CFG3, PRIOR_EMPTY_AREA, KOMI,
 MAX_PLAYOUT_MOVES) = range(13)
POLICY_AT = 13  # the playout policy (heavy_playout's N_POLICY values) follows
N_PARAMS = POLICY_AT + N_POLICY
LADDER_TREE_BUDGET = 200  # plies an expansion may spend reading one ladder


@dataclass(frozen=True)
class UctConfig:
    """Search parameters; defaults are michi's (Baudiš 2015), tuned there on 9×9."""

    rave_equiv: float = 3500.0
    """Visits at which own and AMAF statistics weigh the same in the RAVE mix."""
    expand_visits: int = 8
    """Visits a leaf needs before its children are added."""
    prior_even: float = 10.0
    """Virtual visits at an even (1/2) rate given to every new child."""
    prior_self_atari: float = 10.0
    """Virtual lost visits for a move that puts two or more of its stones in atari."""
    prior_capture_one: float = 15.0
    """Virtual won visits for capturing (or saving) a single stone in atari."""
    prior_capture_many: float = 30.0
    """... and for capturing or saving a chain of two or more."""
    prior_pattern: float = 10.0
    """Virtual won visits for the centre of a MoGo 3×3 pattern."""
    prior_cfg: tuple[float, float, float] = (24.0, 22.0, 8.0)
    """Virtual won visits at common-fate-graph distance 1, 2, 3 from the last move."""
    prior_empty_area: float = 10.0
    """In an empty area (no stone within Manhattan distance 3): virtual won visits on the
    third line and above, virtual lost visits on the first and second. (michi rewards the third
    line only; on 9×9 the centre is as good an opening as the third line.)"""
    capture_p: float = 0.9
    """Playout: probability of trying the capture/escape rule."""
    pattern_p: float = 0.95
    """Playout: probability of trying the 3×3 pattern rule."""
    self_atari_p_suggested: float = 0.9
    """Playout: probability of rejecting a self-atari suggested by a rule."""
    self_atari_p_random: float = 0.5
    """Playout: probability of rejecting a random self-atari."""

    def params(self, komi: float, size: int) -> np.ndarray:
        """The float64 parameter array of the kernels, for one komi and board size."""
        p = np.zeros(N_PARAMS)
        p[RAVE_EQUIV], p[EXPAND_VISITS] = self.rave_equiv, self.expand_visits
        p[PRIOR_EVEN], p[PRIOR_SELF_ATARI] = self.prior_even, self.prior_self_atari
        p[PRIOR_CAPTURE_ONE], p[PRIOR_CAPTURE_MANY] = self.prior_capture_one, \
            self.prior_capture_many
        p[PRIOR_PATTERN], p[PRIOR_EMPTY_AREA] = self.prior_pattern, self.prior_empty_area
        p[PRIOR_CFG1], p[PRIOR_CFG2], p[PRIOR_CFG3] = self.prior_cfg
        p[KOMI], p[MAX_PLAYOUT_MOVES] = komi, 3 * size * size
        p[POLICY_AT + CAPTURE_P], p[POLICY_AT + PATTERN_P] = self.capture_p, self.pattern_p
        p[POLICY_AT + SELF_ATARI_P_SUGGESTED] = self.self_atari_p_suggested
        p[POLICY_AT + SELF_ATARI_P_RANDOM] = self.self_atari_p_random
        return p


class Tree(NamedTuple):
    """Node arrays; node 0 is the root after :func:`new_tree` and :func:`compact`."""

    move: np.ndarray  # int32: the move leading here (the pass is n*n)
    first: np.ndarray  # int32: first child, -1 before expansion
    count: np.ndarray  # int32: number of children
    visits: np.ndarray  # int32: simulations through the node
    wins: np.ndarray  # float32: their wins, for the player who made `move`
    prior_visits: np.ndarray  # float32
    prior_wins: np.ndarray  # float32
    amaf_visits: np.ndarray  # float32
    amaf_wins: np.ndarray  # float32
    blocked: np.ndarray  # bool: never selected (root children that superko forbids)
    used: np.ndarray  # int64[1]: nodes in use


def new_tree(capacity: int) -> Tree:
    """An empty tree holding only a root (node 0) of room ``capacity`` nodes."""
    tree = Tree(np.zeros(capacity, np.int32), np.full(capacity, -1, np.int32),
                np.zeros(capacity, np.int32), np.zeros(capacity, np.int32),
                *(np.zeros(capacity, np.float32) for _ in range(5)),
                np.zeros(capacity, np.bool_), np.ones(1, np.int64))
    tree.move[0] = -1
    return tree


class Scratch(NamedTuple):
    """Work arrays of one simulation, allocated once per board size."""

    stones: np.ndarray
    chain: np.ndarray
    ckey: np.ndarray
    empties: np.ndarray
    where: np.ndarray
    out: np.ndarray
    cand: np.ndarray
    buf: np.ndarray
    owner: np.ndarray
    stack: np.ndarray
    path: np.ndarray
    amaf_color: np.ndarray
    amaf_depth: np.ndarray
    dist: np.ndarray
    prior_visits: np.ndarray
    prior_wins: np.ndarray
    ladder: tuple  # a heavy_playout.LadderScratch


def new_scratch(size: int) -> Scratch:
    nn = size * size
    return Scratch(np.zeros(nn, np.int8), np.zeros((4, nn), np.int32), np.zeros(nn, np.uint64),
                   *(np.zeros(nn, np.int32) for _ in range(3)),
                   np.zeros(4 * nn + 16, np.int32), np.zeros(8, np.int32),
                   np.zeros(nn, np.int8), np.zeros(nn, np.int32),
                   np.zeros(4 * nn + 64, np.int32), np.zeros(nn, np.int8),
                   np.zeros(nn, np.int32), np.zeros(nn, np.int32),
                   np.zeros(nn + 1, np.float32), np.zeros(nn + 1, np.float32),
                   new_ladder_scratch(size))


# -- priors ----------------------------------------------------------------------------------

@njit(cache=True)
def cfg_distances(stones, nbr, last, dist, stack):
    """Common-fate-graph distance from ``last`` (a chain counts as one point) into ``dist``,
    exact up to 3 (farther points read 99)."""
    dist[:] = 99
    dist[last] = 0
    top = 1
    stack[0] = last
    while top > 0:
        top -= 1
        c = stack[top]
        for k in range(4):
            d = nbr[c, k]
            if d < 0:
                continue
            step = 0 if (stones[d] != 0 and stones[d] == stones[c]) else 1
            if dist[c] + step < dist[d]:
                dist[d] = dist[c] + step
                if dist[d] < 3 and top < stack.shape[0]:
                    stack[top] = d
                    top += 1


@njit(cache=True, inline="always")
def line_height(p, size):
    """0 on the first line, 1 on the second, ..."""
    r, c = p // size, p % size
    return min(r, c, size - 1 - r, size - 1 - c)


@njit(cache=True, inline="always")
def empty_area(stones, p, size):
    """No stone within Manhattan distance 3 of ``p``."""
    r0, c0 = p // size, p % size
    for dr in range(-3, 4):
        span = 3 - abs(dr)
        for dc in range(-span, span + 1):
            r, c = r0 + dr, c0 + dc
            if 0 <= r < size and 0 <= c < size and stones[r * size + c] != 0:
                return False
    return True


@njit(cache=True)
def tactical_priors(stones, chain, ckey, nbr, zkeys, color, params, pv, pw, sc):
    """Add the capture/escape priors: every chain in atari on the board, either colour (its
    capture; its escape, unless into a ladder), and every opponent chain of two stones or more
    that a ladder takes (the ladder's first move)."""
    for h in range(stones.shape[0]):
        if stones[h] == 0 or chain[HEAD, h] != h or chain[LIBS, h] > 2:
            continue
        bonus = params[PRIOR_CAPTURE_MANY] if chain[SIZE, h] > 1 else params[PRIOR_CAPTURE_ONE]
        n = 0
        if chain[LIBS, h] == 2:
            if stones[h] != color and chain[SIZE, h] > 1:
                sc.cand[0] = ladder_attack(stones, chain, ckey, nbr, zkeys, h, -1, sc.ladder,
                                           LADDER_TREE_BUDGET)
                n = 1 if sc.cand[0] >= 0 else 0
        elif stones[h] != color:
            sc.cand[0] = a_liberty(stones, chain, nbr, h)
            n = 1
        else:
            n = counter_captures(stones, chain, nbr, h, sc.cand, 0)
            lib = a_liberty(stones, chain, nbr, h)
            if escapes(stones, chain, ckey, nbr, zkeys, lib, h, sc.ladder, sc.buf):
                sc.cand[n] = lib
                n += 1
        for i in range(n):
            p = sc.cand[i]
            if pv[p] >= 0.0:
                pv[p] += bonus
                pw[p] += bonus


@njit(cache=True)
def expand(tree, node, stones, chain, ckey, nbr, diag, zkeys, table, params, size, color, ko,
           last, sc):
    """Give ``node`` (position ``stones``..., ``color`` to play) its children with their
    priors: every playable move, or the pass alone. False if the tree is full."""
    nn = size * size
    pv, pw = sc.prior_visits, sc.prior_wins
    count = 0
    for p in range(nn):
        pv[p] = -1.0  # not a child
        if playable(stones, chain, nbr, diag, p, color, ko):
            pv[p] = params[PRIOR_EVEN]
            pw[p] = params[PRIOR_EVEN] / 2
            count += 1
    if tree.used[0] + max(count, 1) > tree.move.shape[0]:
        return False
    if count == 0:
        pv[nn], pw[nn] = params[PRIOR_EVEN], params[PRIOR_EVEN] / 2
    else:
        pv[nn] = -1.0
        tactical_priors(stones, chain, ckey, nbr, zkeys, color, params, pv, pw, sc)
        if last >= 0:
            cfg_distances(stones, nbr, last, sc.dist, sc.cand)
        for p in range(nn):
            if pv[p] < 0.0:
                continue
            if last >= 0 and 1 <= sc.dist[p] <= 3:
                bonus = params[PRIOR_CFG1 + sc.dist[p] - 1]
                pv[p] += bonus
                pw[p] += bonus
            if matches_pattern(table, stones, nbr, diag, p):
                pv[p] += params[PRIOR_PATTERN]
                pw[p] += params[PRIOR_PATTERN]
            if empty_area(stones, p, size):
                pv[p] += params[PRIOR_EMPTY_AREA]
                if line_height(p, size) >= 2:
                    pw[p] += params[PRIOR_EMPTY_AREA]
            if is_self_atari(stones, chain, nbr, p, color, sc.buf):
                pv[p] += params[PRIOR_SELF_ATARI]
    first = tree.used[0]
    i = first
    for p in range(nn + 1):
        if pv[p] >= 0.0:
            tree.move[i] = p
            tree.first[i] = -1
            tree.count[i] = 0
            tree.visits[i] = 0
            tree.wins[i] = 0.0
            tree.prior_visits[i] = pv[p]
            tree.prior_wins[i] = pw[p]
            tree.amaf_visits[i] = 0.0
            tree.amaf_wins[i] = 0.0
            tree.blocked[i] = False
            i += 1
    tree.first[node] = first
    tree.count[node] = i - first
    tree.used[0] = i
    return True


# -- one simulation --------------------------------------------------------------------------

@njit(cache=True, inline="always")
def urgency(tree, c, rave_equiv):
    """The RAVE mix of child ``c``'s own rate (with its prior) and its AMAF rate."""
    v = tree.visits[c] + tree.prior_visits[c]
    value = (tree.wins[c] + tree.prior_wins[c]) / v if v > 0 else 0.5
    a = tree.amaf_visits[c]
    if a > 0:
        beta = a / (a + v + v * a / rave_equiv)
        value = beta * tree.amaf_wins[c] / a + (1 - beta) * value
    return value


@njit(cache=True, inline="always")
def select_child(tree, node, rng, rave_equiv):
    """The unblocked child of highest urgency (ties broken at random); -1 if none."""
    f = tree.first[node]
    n = tree.count[node]
    best = -1
    best_u = -1.0
    start = rand_below(rng, n)
    for j in range(n):
        idx = start + j
        if idx >= n:
            idx -= n
        c = f + idx
        if tree.blocked[c]:
            continue
        u = urgency(tree, c, rave_equiv)
        if u > best_u:
            best_u = u
            best = c
    return best


@njit(cache=True)
def backup(tree, sc, depth, to_play, black_result, nn):
    """Add one result (1 Black won, 0 White won, 1/2 a draw) along the path, and to the AMAF
    statistics of every child whose move its player went on to play first."""
    for i in range(depth + 1):
        node = sc.path[i]
        mover = -to_play if i % 2 == 0 else to_play  # who made the move into node i
        tree.visits[node] += 1
        tree.wins[node] += black_result if mover == 1 else 1.0 - black_result
        player = -mover
        won = black_result if player == 1 else 1.0 - black_result
        f = tree.first[node]
        for c in range(f, f + tree.count[node]):
            m = tree.move[c]
            if m < nn and sc.amaf_color[m] == player and sc.amaf_depth[m] >= i:
                tree.amaf_visits[c] += 1.0
                tree.amaf_wins[c] += won


@njit(cache=True)
def simulate(tree, root_stones, root_chain, root_ckey, nbr, diag, zkeys, table, params, size,
             to_play, ko, passes, last, rng, sc, ownership, totals, n_sims):
    """Run ``n_sims`` simulations from the root position (node 0).

    ``passes`` is the number of consecutive passes that led to the root, ``last`` the last move
    (-1 for none or a pass). Adds every final board's Tromp-Taylor owner to ``ownership``
    (float64[n*n]) and [score sum, simulations] to ``totals``.
    """
    nn = size * size
    policy = params[POLICY_AT:]
    max_moves = int(params[MAX_PLAYOUT_MOVES])
    for _ in range(n_sims):
        sc.stones[:] = root_stones
        sc.chain[:] = root_chain
        sc.ckey[:] = root_ckey
        sc.amaf_color[:] = 0
        node, depth, color, k, p_count, lst = 0, 0, to_play, ko, passes, last
        sc.path[0] = 0
        ended = False
        while depth < sc.path.shape[0] - 1:
            if tree.count[node] == 0:
                if node != 0 and tree.visits[node] < params[EXPAND_VISITS]:
                    break
                if not expand(tree, node, sc.stones, sc.chain, sc.ckey, nbr, diag, zkeys, table,
                              params, size, color, k, lst, sc):
                    break
            child = select_child(tree, node, rng, params[RAVE_EQUIV])
            if child < 0:
                break
            m = tree.move[child]
            if m == nn:
                p_count += 1
                k, lst = -1, -1
            else:
                p_count = 0
                if sc.amaf_color[m] == 0:
                    sc.amaf_color[m] = color
                    sc.amaf_depth[m] = depth
                _, _, _, k = place_stone(sc.stones, sc.chain, sc.ckey, nbr, zkeys, m, color,
                                         sc.out)
                lst = m
            depth += 1
            sc.path[depth] = child
            node = child
            color = -color
            if p_count >= 2:
                ended = True
                break
        if not ended:
            heavy_playout(sc.stones, sc.chain, sc.ckey, nbr, diag, zkeys, table, policy, color,
                          k, lst, max_moves, rng, sc.empties, sc.where, sc.out, sc.cand, sc.buf,
                          sc.ladder, sc.amaf_color, sc.amaf_depth, depth)
        black, white = area_ownership(sc.stones, nbr, sc.owner, sc.stack, sc.where)
        score = black - white - params[KOMI]
        for p in range(nn):
            ownership[p] += sc.owner[p]
        totals[0] += score
        totals[1] += 1.0
        backup(tree, sc, depth, to_play, 1.0 if score > 0 else (0.0 if score < 0 else 0.5), nn)


@njit(cache=True)
def expand_root(tree, stones, chain, ckey, nbr, diag, zkeys, table, params, size, color, ko,
                last, sc):
    """Expand the root (node 0) if it is not yet; False only if the tree is full."""
    if tree.count[0] > 0:
        return True
    return expand(tree, 0, stones, chain, ckey, nbr, diag, zkeys, table, params, size, color, ko,
                  last, sc)


# -- tree reuse ------------------------------------------------------------------------------

@njit(cache=True)
def find_child(tree, node, move):
    """The child of ``node`` for ``move``; -1 if there is none."""
    f = tree.first[node]
    for c in range(f, f + tree.count[node]):
        if tree.move[c] == move:
            return c
    return -1


@njit(cache=True)
def compact(src, root, dst):
    """Copy the subtree of ``src`` under ``root`` into ``dst`` (breadth first, root at 0)."""
    origin = np.empty(dst.move.shape[0], np.int32)
    origin[0] = root
    used = 1
    i = 0
    while i < used:
        s = origin[i]
        dst.move[i] = src.move[s]
        dst.visits[i] = src.visits[s]
        dst.wins[i] = src.wins[s]
        dst.prior_visits[i] = src.prior_visits[s]
        dst.prior_wins[i] = src.prior_wins[s]
        dst.amaf_visits[i] = src.amaf_visits[s]
        dst.amaf_wins[i] = src.amaf_wins[s]
        dst.blocked[i] = False
        n = src.count[s]
        if n > 0 and used + n <= dst.move.shape[0]:
            dst.first[i] = used
            dst.count[i] = n
            for j in range(n):
                origin[used + j] = src.first[s] + j
            used += n
        else:
            dst.first[i] = -1
            dst.count[i] = 0
        i += 1
    dst.used[0] = used


def reset_tree(tree: Tree) -> None:
    """Empty ``tree`` in place (only a fresh root), keeping its arrays."""
    tree.used[0] = 1
    tree.move[0], tree.first[0], tree.count[0] = -1, -1, 0
    tree.visits[0], tree.wins[0] = 0, 0.0
