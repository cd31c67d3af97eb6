"""PUCT tree search as in AlphaGo Zero / AlphaZero, with batched leaf evaluation.

Each simulation walks from the root choosing the child with the largest

    Q(s, a) + c(s) · P(s, a) · sqrt(N(s)) / (1 + N(s, a)),
    c(s) = log((1 + N(s) + c_base) / c_base) + c_init            (AlphaZero, Methods)

until it reaches a position not yet evaluated, asks the evaluator for (priors, value) and backs
the value up the path, flipping its sign at every level (the only place the sign flips: values
are always from the side to move). Unvisited children get the first-play-urgency value
``Q(parent) - fpu_reduction · sqrt(sum of visited priors)`` (Leela Zero) instead of 0.

Batching (AlphaGo Zero, "Search algorithm": virtual loss): up to ``batch_size`` leaves are
collected per evaluator call; every edge on a pending path carries a virtual loss so that later
walks in the same batch spread out. :meth:`Search.gather` and :meth:`Search.finish` are split
so a driver can batch the leaves of many games (self-play) into one network call.

Root Dirichlet noise (α, ε), temperature, tree reuse (:meth:`Search.advance`) and the
resignation threshold follow AlphaGo Zero. The search never imports torch.

Expansion threshold (AlphaGo 2016, Methods "Expansion": a node is expanded only once its visit
count exceeds n_thr, so the slow policy network is asked only about positions the search keeps
coming back to). With ``expansion_threshold`` = n_thr > 0 a new leaf's first n_thr visits ask
the evaluator for a value alone (its optional ``values`` method: value net and/or rollouts, no
policy) and leave the leaf unexpanded; the next visit expands it with priors. The leaf's value
is the running mean of all its evaluations. The root is always expanded. n_thr = 0 is AlphaGo
Zero: every leaf is expanded on its first visit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit

from dosaku.rules.board import is_eye
from dosaku.rules.game import GameState
from dosaku.rules.scoring import tromp_taylor_score

from .evaluator import Evaluator, leaf_values


@dataclass(frozen=True)
class SearchConfig:
    c_puct_init: float = 1.25
    """c_init of AlphaZero's exploration rate c(s)."""
    c_puct_base: float = 19652.0
    """c_base of AlphaZero's c(s): exploration grows slowly with the parent's visits."""
    fpu_reduction: float = 0.25
    """First-play urgency: unvisited children are valued at Q(parent) minus this (scaled)."""
    batch_size: int = 8
    """Leaves gathered per evaluator call (1 = no virtual loss)."""
    virtual_loss: float = 1.0
    """Visits (each counted as a loss) put on a pending path while its leaf awaits evaluation."""
    dirichlet_alpha: float | None = None
    """Root noise concentration; None = 0.03·361/(n·n) (AlphaZero's 0.03 on 19×19, scaled)."""
    noise_fraction: float = 0.0
    """ε of the root noise mix P = (1-ε)·p + ε·η; 0.25 in self-play, 0 in play."""
    resign_threshold: float = -1.0
    """Resign when the root's value falls below this (-1 = never)."""
    resign_min_visits: int = 32
    """...and only when the root's value averages at least this many simulations: a Q over a
    handful is noise, not an evaluation. Without it the AlphaGo raw-policy player (visits=1,
    λ=1: one rollout, Q = ±1) resigned 20 games of 20 against GNU Go within 11 moves."""
    min_pass_move: int = 0
    """Before this move number the pass is searched only where nothing else is legal. With the
    few visits of CPU self-play an early pass (ended by the opponent's pass and an exact
    Tromp-Taylor result) is found long before good moves are, and self-play collapses into
    ever shorter games; this keeps the opening for moves."""
    tidy_pass: bool = False
    """From ``min_pass_move`` on, search the pass only where the Tromp-Taylor count of the
    board as it stands favours the side to move, or where every other move would fill one of
    its own eyes. Self-play then never ends a game by passing while behind on an unsettled
    board, so its results (and the value targets) are the results of finished games: without
    it the first 9x9 runs learned to pass as White at move 40 and lose 119 of 128 games."""
    forced_playouts: float = 0.0
    """KataGo's forced playouts (Wu 2019, "Policy target pruning"): at the root, a child with
    fewer than sqrt(k · P(c) · N) visits is chosen before PUCT, so noise-boosted moves get
    looked at; :meth:`Search.pruned_visit_distribution` takes those visits back out of the
    policy target. k (2 in KataGo); 0 = off, as in play."""
    expansion_threshold: int = 0
    """AlphaGo's n_thr: a leaf is evaluated for its value only (no priors) on its first n_thr
    visits and expanded on the next; 0 = expand on the first visit (AlphaGo Zero)."""

    def __post_init__(self) -> None:
        if self.batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {self.batch_size}")
        if self.resign_min_visits < 0:
            raise ValueError(f"resign_min_visits must not be negative, "
                             f"got {self.resign_min_visits}")
        if self.expansion_threshold < 0:
            raise ValueError(f"expansion_threshold must not be negative, "
                             f"got {self.expansion_threshold}")


class Node:
    """A position in the tree with the statistics of the edges leaving it.

    ``moves``, ``prior``, ``visit_count`` and ``value_sum`` are aligned arrays over the legal
    moves; ``value_sum`` is from this node's side to move. ``children[i]`` is the node after
    ``moves[i]`` (created on first visit). ``evaluations`` counts the evaluations behind
    ``value`` (more than one only under an expansion threshold).
    """

    __slots__ = ("state", "moves", "prior", "visit_count", "value_sum", "children", "value",
                 "terminal", "n", "w", "evaluations")

    def __init__(self, state: GameState):
        self.state = state
        self.moves: np.ndarray | None = None  # None until evaluated (expanded)
        self.prior = self.visit_count = self.value_sum = None
        self.children: dict[int, Node] = {}
        self.value = 0.0  # the evaluator's value of this position (mean of its evaluations)
        self.evaluations = 0
        self.terminal = state.is_over
        self.n = 0.0  # visit_count.sum() and value_sum.sum(), kept in step
        self.w = 0.0

    @property
    def expanded(self) -> bool:
        return self.moves is not None

    def expand(self, priors: np.ndarray, value: float, min_pass_move: int = 0,
               tidy_pass: bool = False) -> None:
        """Keep the legal moves' priors (renormalised) and the position's value."""
        moves = np.flatnonzero(self.state.legal_mask())
        if len(moves) > 1 and (self.state.move_number < min_pass_move
                               or tidy_pass and not pass_is_tidy(self.state, moves)):
            moves = moves[:-1]  # the pass is last
        p = priors[moves].astype(np.float64)
        total = p.sum()
        self.moves = moves
        self.prior = p / total if total > 0 else np.full(len(moves), 1.0 / len(moves))
        self.visit_count = np.zeros(len(moves), dtype=np.float64)
        self.value_sum = np.zeros(len(moves), dtype=np.float64)
        self.note_value(value)

    def note_value(self, value: float) -> None:
        """Fold one more evaluation of this position into ``value`` (their mean)."""
        self.evaluations += 1
        self.value += (float(value) - self.value) / self.evaluations

    @property
    def visits(self) -> float:
        return self.n

    def q(self) -> float:
        """Mean value of this position from its side to move (the evaluator's if unvisited)."""
        return (self.value + self.w) / (1.0 + self.n)

    def add(self, i: int, visits: float, value: float) -> None:
        self.visit_count[i] += visits
        self.value_sum[i] += value
        self.n += visits
        self.w += value

    def child(self, i: int) -> Node:
        node = self.children.get(i)
        if node is None:
            state = self.state.copy()
            state.play(int(self.moves[i]))
            node = self.children[i] = Node(state)
        return node


class Search:
    """PUCT search from a root position with an :class:`Evaluator`."""

    def __init__(self, evaluator: Evaluator, config: SearchConfig | None = None,
                 seed: int | None = None):
        self.evaluator = evaluator
        self.config = config or SearchConfig()
        self.rng = np.random.default_rng(seed)
        self.root: Node | None = None
        self._noised: Node | None = None  # the root that already got its Dirichlet noise

    # -- the tree ------------------------------------------------------------------------------
    def set_root(self, state: GameState) -> Node:
        """Search from ``state``, keeping the current tree if it already is that position."""
        if self.root is None or not same_position(self.root.state, state):
            self.root = Node(state.copy())
        return self.root

    def advance(self, move: int) -> None:
        """Tree reuse: the subtree under ``move`` becomes the root (statistics kept)."""
        root = self.root
        if root is None or not root.expanded:
            self.root = None
            return
        index = np.flatnonzero(root.moves == move)
        self.root = root.children.get(int(index[0])) if len(index) else None

    # -- one batch of simulations ----------------------------------------------------------------
    def select(self, node: Node) -> int:
        """argmax of Q + U over the node's edges (AlphaZero's PUCT with FPU); at the root,
        first any child short of its forced playouts."""
        cfg = self.config
        if cfg.forced_playouts > 0 and node is self.root:
            forced = forced_child(node.prior, node.visit_count, node.n, cfg.forced_playouts)
            if forced >= 0:
                return forced
        return puct_select(node.prior, node.visit_count, node.value_sum, node.q(), node.n,
                           cfg.c_puct_init, cfg.c_puct_base, cfg.fpu_reduction)

    def descend(self) -> tuple[list[tuple[Node, int]], Node]:
        """Walk from the root to a leaf, putting virtual loss on every edge taken."""
        path, node = [], self.root
        vl = self.config.virtual_loss
        while node.expanded and not node.terminal:
            i = self.select(node)
            node.add(i, vl, -vl)
            path.append((node, i))
            node = node.child(i)
        return path, node

    def backup(self, path: list[tuple[Node, int]], value: float) -> None:
        """``value`` is from the leaf's side to move; each edge stores it from its parent's."""
        vl = self.config.virtual_loss
        for node, i in reversed(path):
            value = -value  # the one place the sign flips
            node.add(i, 1 - vl, value + vl)

    def gather(self, budget: int) -> list[tuple[list, Node]]:
        """Collect up to ``budget`` leaves needing evaluation; terminal leaves are backed up
        at once. Returns the pending (path, leaf) pairs, their paths under virtual loss.

        A leaf may be pending more than once while it is short of the expansion threshold
        (each visit gets its own value, e.g. its own rollouts); a walk reaching a leaf whose
        expansion is already pending is a collision and ends the batch."""
        pending: list[tuple[list, Node]] = []
        waiting: dict[int, int] = {}  # id(leaf) -> its visits pending in this batch
        for _ in range(budget):
            path, leaf = self.descend()
            if leaf.terminal:
                self.backup(path, terminal_value(leaf.state))
                continue
            rank = leaf.evaluations + waiting.get(id(leaf), 0)
            if id(leaf) in waiting and rank > self.config.expansion_threshold:
                self.undo_virtual_loss(path)  # collision: its expansion is already pending
                break
            waiting[id(leaf)] = waiting.get(id(leaf), 0) + 1
            pending.append((path, leaf))
        return pending

    def expansions(self, pending: list[tuple[list, Node]]) -> np.ndarray:
        """bool (B,): which pending visits expand their leaf: the root's always, another
        leaf's once n_thr value-only evaluations precede it (pending ones included, in order)."""
        n_thr = self.config.expansion_threshold
        before: dict[int, int] = {}
        flags = np.empty(len(pending), dtype=bool)
        for k, (path, leaf) in enumerate(pending):
            rank = leaf.evaluations + before.get(id(leaf), 0)
            before[id(leaf)] = before.get(id(leaf), 0) + 1
            flags[k] = not path or rank >= n_thr
        return flags

    def finish(self, pending: list[tuple[list, Node]], priors: np.ndarray,
               values: np.ndarray) -> None:
        """Expand each pending leaf with its evaluation (or, under the expansion threshold,
        only note its value; its priors may then be anything) and back the value up."""
        expand = self.expansions(pending)
        for (path, leaf), grow, p, v in zip(pending, expand, priors, values):
            if grow:
                leaf.expand(p, float(v), self.config.min_pass_move, self.config.tidy_pass)
            else:
                leaf.note_value(float(v))
            self.backup(path, float(v))

    def evaluate(self, pending: list[tuple[list, Node]]) -> tuple[np.ndarray, np.ndarray]:
        """(priors, values) of the pending leaves, asking for priors only where a leaf expands:
        one ``evaluate`` call for those, one ``values`` call for the rest (AlphaGo's n_thr).
        Rows of leaves that do not expand get uniform (unused) priors."""
        states = [leaf.state for _, leaf in pending]
        expand = self.expansions(pending)
        if expand.all():
            return self.evaluator.evaluate(states)
        nn = states[0].size ** 2 + 1
        priors = np.full((len(states), nn), 1.0 / nn, dtype=np.float32)  # (B, n*n+1)
        values = np.zeros(len(states), dtype=np.float32)
        if expand.any():
            some = [s for s, e in zip(states, expand) if e]
            priors[expand], values[expand] = self.evaluator.evaluate(some)
        values[~expand] = leaf_values(self.evaluator, [s for s, e in zip(states, expand)
                                                       if not e])
        return priors, values

    def undo_virtual_loss(self, path: list[tuple[Node, int]]) -> None:
        vl = self.config.virtual_loss
        for node, i in path:
            node.add(i, -vl, vl)

    def run(self, state: GameState, simulations: int) -> Node:
        """Add ``simulations`` evaluated visits to the tree of ``state``; returns the root."""
        root = self.set_root(state)
        if not root.expanded and not root.terminal:
            priors, values = self.evaluator.evaluate([root.state])
            root.expand(priors[0], float(values[0]), self.config.min_pass_move,
                        self.config.tidy_pass)
        self.ensure_noise()
        done = 0
        while done < simulations and not root.terminal:
            before = root.visits
            pending = self.gather(min(self.config.batch_size, simulations - done))
            if pending:
                self.finish(pending, *self.evaluate(pending))
            done += max(int(round(root.visits - before)), 1)
        return root

    def ensure_noise(self) -> None:
        """Mix Dirichlet noise into the root's priors once per root (a reused subtree's root
        gets it too). Drivers that expand the root through gather/finish call this after."""
        root = self.root
        if root is not None and root.expanded and root is not self._noised:
            self.add_root_noise(root)
            self._noised = root

    def add_root_noise(self, root: Node) -> None:
        eps = self.config.noise_fraction
        if eps <= 0 or len(root.moves) < 2:
            return
        n = root.state.size
        alpha = self.config.dirichlet_alpha or 0.03 * 361 / (n * n)
        noise = self.rng.dirichlet(np.full(len(root.moves), alpha))
        root.prior = (1 - eps) * root.prior + eps * noise

    # -- choosing a move ---------------------------------------------------------------------------
    def visit_distribution(self, root: Node | None = None) -> np.ndarray:
        """Visit counts of the root's moves as a distribution over all n*n+1 moves."""
        root = root or self.root
        pi = np.zeros(root.state.size ** 2 + 1)
        pi[root.moves] = root.visit_count
        return pi / max(pi.sum(), 1.0)

    def pruned_visit_distribution(self) -> np.ndarray:
        """The policy target with forced playouts taken back (KataGo, "Policy target
        pruning"): every child but the most visited loses up to its sqrt(k · P · N) forced
        visits, as long as its PUCT score stays below the best child's, so only the visits PUCT
        itself wanted remain; a child left with one visit is dropped. Equal to
        :meth:`visit_distribution` when forced playouts are off."""
        pi = np.zeros(self.root.state.size ** 2 + 1)
        pi[self.root.moves] = self.pruned_visit_counts()
        return pi / max(pi.sum(), 1.0)

    def pruned_visit_counts(self) -> np.ndarray:
        """The root's visit counts (aligned with ``root.moves``) after policy target pruning."""
        root, cfg = self.root, self.config
        counts = root.visit_count.copy()
        if cfg.forced_playouts > 0 and counts.sum() > 0:
            prune_forced(counts, root.prior, root.value_sum, root.n, cfg.forced_playouts,
                         cfg.c_puct_init, cfg.c_puct_base)
        return counts

    def choose(self, temperature: float = 0.0) -> int:
        """The move to play: most visited (temperature 0) or sampled ∝ N^(1/T)."""
        root = self.root
        counts = root.visit_count
        if temperature <= 1e-3:
            best = np.flatnonzero(counts == counts.max())
            i = int(best[np.argmax(root.prior[best])])  # ties: the higher prior
        else:
            weights = counts ** (1.0 / temperature)
            i = int(self.rng.choice(len(counts), p=weights / weights.sum()))
        return int(root.moves[i])

    def should_resign(self) -> bool:
        return (self.root is not None and self.root.visits >= self.config.resign_min_visits
                and self.root.q() < self.config.resign_threshold)


@njit(cache=True)
def puct_select(prior, visit_count, value_sum, parent_q, parent_n, c_init, c_base,
                fpu_reduction):
    """Index of the edge maximising Q + U (see the module docstring); numba, as this runs at
    every level of every simulation."""
    c = math.log((1.0 + parent_n + c_base) / c_base) + c_init
    seen_prior = 0.0
    for i in range(prior.shape[0]):
        if visit_count[i] > 0:
            seen_prior += prior[i]
    fpu = parent_q - fpu_reduction * math.sqrt(seen_prior)
    scale = c * math.sqrt(max(parent_n, 1.0))
    best, best_i = -np.inf, 0
    for i in range(prior.shape[0]):
        n = visit_count[i]
        q = value_sum[i] / n if n > 0 else fpu
        score = q + scale * prior[i] / (1.0 + n)
        if score > best:
            best, best_i = score, i
    return best_i


@njit(cache=True)
def forced_child(prior, visit_count, parent_n, k):
    """The root child furthest below its forced playouts sqrt(k · P · N), or -1 if none."""
    best, best_i = 0.0, -1
    for i in range(prior.shape[0]):
        short = math.sqrt(k * prior[i] * parent_n) - visit_count[i]
        if short > best:
            best, best_i = short, i
    return best_i


@njit(cache=True)
def prune_forced(counts, prior, value_sum, parent_n, k, c_init, c_base):
    """In place: take the forced playouts back out of ``counts`` (see
    :meth:`Search.pruned_visit_distribution`)."""
    c = math.log((1.0 + parent_n + c_base) / c_base) + c_init
    scale = c * math.sqrt(max(parent_n, 1.0))
    b = int(np.argmax(counts))
    best_score = value_sum[b] / counts[b] + scale * prior[b] / (1.0 + counts[b])
    for i in range(counts.shape[0]):
        n = counts[i]
        if i == b or n <= 0:
            continue
        q = value_sum[i] / n
        gap = best_score - q
        # the fewest visits m keeping q + scale·P/(1+m) below the best child's score
        least = n if gap <= 0 else max(scale * prior[i] / gap - 1.0, 0.0)
        m = max(math.ceil(least), n - math.floor(math.sqrt(k * prior[i] * parent_n)))
        m = min(m, n)
        counts[i] = 0.0 if m <= 1 else m


def pass_is_tidy(state: GameState, moves: np.ndarray) -> bool:
    """Whether :attr:`SearchConfig.tidy_pass` lets the side to move pass: it is ahead on the
    count of the board as it stands, or its other legal ``moves`` all fill its own eyes."""
    if tromp_taylor_score(state) * state.to_play > 0:
        return True
    return not any_move_outside_own_eyes(state.stones, state.nbr, state.diag,
                                         moves[:-1].astype(np.int64), state.to_play)


@njit(cache=True)
def any_move_outside_own_eyes(stones, nbr, diag, moves, color):
    for p in moves:
        if not is_eye(stones, nbr, diag, p, color):
            return True
    return False


def terminal_value(state: GameState) -> float:
    """+1/-1/0 for the side to move of a finished game, by the Tromp-Taylor count."""
    score = tromp_taylor_score(state)
    return float(np.sign(score)) * state.to_play


def same_position(a: GameState, b: GameState) -> bool:
    return (a.size == b.size and a.to_play == b.to_play and a.position_hash == b.position_hash
            and a.moves == b.moves and a.komi == b.komi)
