"""MctsAgent: the classical Monte-Carlo tree search player (UCT + RAVE + heavy playouts).

The search is :mod:`dosaku.search.uct`; this module decides what to do with it:

- *Budget*: ``playouts`` simulations per move, or ``time`` seconds. Simulations run in numba
  batches; between batches the search stops early once the most visited move cannot be
  overtaken with the budget left.
- *Tree reuse*: the subtree under the moves played since the last search (ours and the
  opponent's) becomes the new tree, so its statistics are kept.
- *Move*: the most visited root child. Superko-illegal root children are never chosen.
- *Pass*: when no playable move is left; when the opponent has just passed and the game is ours
  both as the board stands (Tromp-Taylor, nothing removed: their dead stones still count for
  them) and with the stones our playouts call dead taken off (so our own dead stones in their
  area do not make it look neutral), and the search agrees (the best move wins at least 90%:
  a group still in question is settled by playing, not by a dispute after two passes); or
  when the game is *decided* (the count with the stones our playouts call dead taken off is
  ours, the best move wins 90% and nearly every point belongs to someone) and, after we have
  taken the dead stones off and filled the neutral points (moves the search found to cost
  under 5% of win rate), the board as it stands is ours and a search of the position after
  our pass finds no reply that saves the opponent. A won game is never passed away: as long
  as the board as it stands would lose, we play on (capturing dead stones costs nothing in
  area).
- *Resign*: when the best move wins fewer than ``resign_below`` of its simulations, after
  ``resign_after`` moves of the game and with at least 500 simulations (or the whole playout
  budget, if smaller) behind the estimate.
- *Clean-up* (KGS's ``kgs-genmove_cleanup``, the arena's way to settle dead stones): capture
  the opponent's dead stones (first filling our own points beside them where every capturing
  move would be a self-atari) and fill the neutral points, then pass; never resign.
"""

from __future__ import annotations

import dataclasses
import math
import os
import time
from dataclasses import dataclass, field

import numpy as np

from dosaku.agents.base import RESIGN
from dosaku.agents.random_agent import playable_points
from dosaku.rules.game import GameState
from dosaku.rules.heavy_playout import liberties_after
from dosaku.rules.patterns import pattern_table
from dosaku.rules.playout import new_rng
from dosaku.rules.scoring import area_counts, result_string, tromp_taylor_score
from dosaku.rules.types import Move
from dosaku.search.uct import (Scratch, Tree, UctConfig, compact, expand_root, find_child,
                               new_scratch, new_tree, reset_tree, simulate)

DEAD_BELOW = -0.5  # mean ownership, from the chain's side, under which a chain counts dead
MIN_RESIGN_SIMULATIONS = 500
# A game is *decided* when the count with dead stones off is ours, the best move wins at least
# DECIDED_WINRATE of its simulations, and at most SETTLED_NEUTRAL of the board counts for no one.
DECIDED_WINRATE = 0.9
SETTLED_NEUTRAL = 0.05
TIDY_SLACK = 0.05  # win rate a tidying move may cost against the best move
# Simulations a tidying move needs behind its win rate. An unsearched move's cost is unknown:
# counting it free once let a "neutral point" fill lose a won game to a capture the search saw.
MIN_TIDY_VISITS = 50


@dataclass(frozen=True)
class MctsConfig:
    """The player's settings; the search's own are in ``uct``."""

    playouts: int = 10000
    """Simulations per move (used when ``time`` is 0)."""
    time: float = 0.0
    """Seconds per move; when positive it replaces ``playouts``."""
    resign_below: float = 0.1
    """Resign when the best move's win rate is below this (0: never resign)."""
    resign_after: int = 20
    """No resignation before this many moves have been played."""
    reuse_tree: bool = True
    """Keep the subtree of the moves played since the last search."""
    max_nodes: int = 0
    """Tree capacity in nodes; 0 picks one from the board size. A full tree stops growing
    (the search goes on with playouts from its leaves)."""
    batch: int = 64
    """Simulations per numba call (the granularity of the clock and of early stopping)."""
    early_stop: bool = True
    """Stop when the most visited move can no longer be overtaken."""
    uct: UctConfig = field(default_factory=UctConfig)
    """Search parameters."""

    def __post_init__(self) -> None:
        problems = [text for bad, text in (
            (self.playouts < 1, f"playouts must be at least 1, not {self.playouts}"),
            (not self.time >= 0, f"time must be 0 or more seconds, not {self.time}"),
            (not 0 <= self.resign_below < 1, f"resign_below must be in [0, 1), not "
                                              f"{self.resign_below}"),
            (self.batch < 1, f"batch must be at least 1, not {self.batch}"),
            (self.max_nodes < 0, f"max_nodes must not be negative, not {self.max_nodes}"))
            if bad]
        if problems:
            raise ValueError("; ".join(problems))


@dataclass
class SearchResult:
    """What one search saw at the root (win rates are for the side to move)."""

    moves: np.ndarray
    visits: np.ndarray
    winrates: np.ndarray
    ownership: np.ndarray
    """Mean Tromp-Taylor owner of every point over the simulations (+1 Black .. -1 White)."""
    mean_score: float
    """Mean final score of the simulations, Black - White - komi."""
    simulations: int
    seconds: float

    @property
    def best_index(self) -> int:
        return int(np.argmax(self.visits + 1e-6 * self.winrates))

    @property
    def best(self) -> Move:
        return int(self.moves[self.best_index])

    @property
    def best_winrate(self) -> float:
        return float(self.winrates[self.best_index])


class MctsAgent:
    """Chooses moves by UCT-RAVE search; see the module docstring. ``seed`` None: random."""

    name = "dosaku-mcts"

    def __init__(self, config: MctsConfig = MctsConfig(), seed: int | None = None):
        self.config = config
        self.rng = new_rng(int.from_bytes(os.urandom(8), "little") if seed is None else seed)
        self.table = pattern_table()
        self.tree: Tree | None = None
        self.spare: Tree | None = None
        self.root: tuple | None = None  # (game identity, moves, to_play) of the tree's root
        self.scratch: Scratch | None = None
        self.last: SearchResult | None = None
        self.move_seconds: float | None = None  # a game clock's budget for the next move (GTP)

    # -- the search ----------------------------------------------------------------------------
    def capacity(self, size: int) -> int:
        return self.config.max_nodes or max(1 << 16, min(1 << 21, 4000 * size * size))

    def prepare_tree(self, state: GameState) -> Tree:
        """The tree for ``state``'s position: the reused subtree, or a fresh one."""
        identity = (state.size, state.komi, state.ruleset, tuple(state.setup_stones))
        capacity = self.capacity(state.size)
        if self.tree is None or self.tree.move.shape[0] != capacity:
            self.tree, self.spare, self.root = new_tree(capacity), None, None
        node = self.reuse_node(state, identity) if self.config.reuse_tree else -1
        if node > 0:
            self.spare = self.spare if self.spare is not None else new_tree(capacity)
            compact(self.tree, node, self.spare)
            self.tree, self.spare = self.spare, self.tree
        elif node < 0:
            reset_tree(self.tree)
        self.root = (identity, tuple(state.moves), state.to_play)
        return self.tree

    def reuse_node(self, state: GameState, identity) -> int:
        """The node of ``state`` in the current tree (0: the root itself), or -1."""
        if self.root is None or self.root[0] != identity:
            return -1
        before, color = self.root[1], self.root[2]
        if tuple(state.moves[:len(before)]) != before:
            return -1
        node = 0
        for mover, move in state.moves[len(before):]:
            if mover != color or self.tree.count[node] == 0:
                return -1
            node = int(find_child(self.tree, node, move))
            if node < 0:
                return -1
            color = -color
        return node if color == state.to_play else -1

    def search(self, state: GameState, playouts: int | None = None) -> SearchResult:
        """Search ``state`` for its side to move within the configured budget (or
        ``playouts`` simulations); the state is not changed."""
        start = time.perf_counter()
        tree = self.prepare_tree(state)
        n = state.size
        params = self.config.uct.params(state.komi, n)
        if self.scratch is None or self.scratch.stones.shape[0] != n * n:
            self.scratch = new_scratch(n)
        sc = self.scratch
        ko = state.ko_point if state.ko_color == state.to_play else -1
        last = state.moves[-1][1] if state.moves else -1
        last = -1 if last == state.pass_move else last
        expand_root(tree, state.stones, state.chain, state.ckey, state.nbr, state.diag,
                    state.zkeys, self.table, params, n, state.to_play, ko, last, sc)
        self.block_illegal(tree, state)
        ownership = np.zeros(n * n)
        totals = np.zeros(2)
        budget = self.config.playouts if playouts is None else playouts
        limit = self.time_limit() if playouts is None else None
        cap = None if playouts is None and self.config.time > 0 else budget  # time mode: none
        while True:
            done = int(totals[1])
            if cap is not None and done >= cap:
                break
            batch = self.config.batch if cap is None else min(self.config.batch, cap - done)
            simulate(tree, state.stones, state.chain, state.ckey, state.nbr, state.diag,
                     state.zkeys, self.table, params, n, state.to_play, ko, min(state.passes, 1),
                     last, self.rng, sc, ownership, totals, batch)
            elapsed = time.perf_counter() - start
            if limit is not None and elapsed >= limit:
                break
            if limit is not None and elapsed < limit / 4:
                continue  # too early to trust the rate that predicts the simulations left
            left = cap - totals[1] if cap is not None else math.inf
            if limit is not None:
                left = min(left, totals[1] / elapsed * (limit - elapsed))
            if self.config.early_stop and self.decided(tree, left):
                break
        simulations = max(int(totals[1]), 1)
        self.last = self.root_result(tree, ownership / simulations, totals[0] / simulations,
                                     int(totals[1]), time.perf_counter() - start)
        return self.last

    def time_limit(self) -> float | None:
        """Seconds for this move: the tighter of ``time`` and the game clock's budget
        (``move_seconds``, set by the GTP engine from time_settings/time_left); None: none."""
        limits = [s for s in (self.config.time if self.config.time > 0 else None,
                              self.move_seconds) if s is not None]
        return min(limits) if limits else None

    def block_illegal(self, tree: Tree, state: GameState) -> None:
        """Block the root children superko forbids (the tree itself knows only simple ko)."""
        f, k = int(tree.first[0]), int(tree.count[0])
        legal = state.legal_mask()
        tree.blocked[f:f + k] = ~legal[tree.move[f:f + k]]

    @staticmethod
    def decided(tree: Tree, left: float) -> bool:
        """True if no other root child can catch up with the most visited in ``left`` visits."""
        f, k = int(tree.first[0]), int(tree.count[0])
        visits = np.where(tree.blocked[f:f + k], -1, tree.visits[f:f + k])
        if k < 2:
            return True
        top2 = np.partition(visits, -2)[-2:]
        return top2[1] - top2[0] > left

    @staticmethod
    def root_result(tree: Tree, ownership, mean_score, simulations, seconds) -> SearchResult:
        f, k = int(tree.first[0]), int(tree.count[0])
        keep = ~tree.blocked[f:f + k]
        visits = tree.visits[f:f + k][keep].astype(np.int64)
        wins = tree.wins[f:f + k][keep].astype(np.float64)
        return SearchResult(tree.move[f:f + k][keep].astype(np.int64), visits,
                            np.where(visits > 0, wins / np.maximum(visits, 1), 0.0),
                            ownership, float(mean_score), simulations, seconds)

    # -- decisions -----------------------------------------------------------------------------
    def select_move(self, state: GameState) -> Move:
        """The move to play for ``state.to_play``: a point, the pass, or RESIGN."""
        if not has_playable(state):
            return state.pass_move
        result = self.search(state)
        if len(result.moves) == 0:
            return state.pass_move
        me = state.to_play
        score, neutral = count_if_ended(state, result.ownership)
        if (state.passes >= 1 and me * tromp_taylor_score(state) > 0 and me * score > 0
                and result.best_winrate >= DECIDED_WINRATE):
            return state.pass_move  # the opponent passed and the board is ours, however counted
        if (self.config.resign_below > 0 and result.best_winrate < self.config.resign_below
                and state.move_number >= self.config.resign_after
                and result.visits.sum() >= min(MIN_RESIGN_SIMULATIONS, self.config.playouts)):
            return RESIGN
        if (me * score > 0 and result.best_winrate >= DECIDED_WINRATE
                and neutral <= SETTLED_NEUTRAL * state.size * state.size):
            return self.tidy_move(state, result)
        return result.best

    def tidy_move(self, state: GameState, result: SearchResult) -> Move:
        """In a decided game: take dead stones off and fill neutral points (where the search
        found that to cost no more than ``TIDY_SLACK`` of win rate, over at least
        ``MIN_TIDY_VISITS`` simulations), then pass once the board as it stands wins."""
        wanted = cleanup_points(state, result.ownership)
        rates = dict(zip(result.moves.tolist(), result.winrates.tolist(), strict=True))
        visits = dict(zip(result.moves.tolist(), result.visits.tolist(), strict=True))
        ok = [int(p) for p in np.flatnonzero(wanted)
              if visits.get(int(p), 0) >= MIN_TIDY_VISITS
              and rates[int(p)] >= result.best_winrate - TIDY_SLACK]
        if ok:
            return max(ok, key=lambda p: visits.get(p, -1))
        if state.to_play * tromp_taylor_score(state) > 0 and self.safe_to_pass(state):
            return state.pass_move
        return result.best

    def safe_to_pass(self, state: GameState) -> bool:
        """Search the position after our pass: True if the opponent's best reply still loses
        (wins under 1 - DECIDED_WINRATE). The tree of that search is reused if we do pass."""
        after = state.copy()
        after.play(after.pass_move)
        if not has_playable(after):
            return True
        reply = self.search(after)
        return len(reply.moves) == 0 or reply.best_winrate < 1 - DECIDED_WINRATE

    def select_cleanup_move(self, state: GameState) -> Move:
        """Clean-up phase: capture dead opponent stones, fill neutral points, then pass."""
        if not has_playable(state):
            return state.pass_move
        result = self.search(state)
        wanted = cleanup_points(state, result.ownership)
        if not wanted.any():
            # dead stones whose every liberty would be a self-atari: first make those points
            # safe from inside our own area (filling it costs nothing in an area count)
            wanted = approach_points(state, result.ownership)
        if not wanted.any():
            return state.pass_move
        visits = {int(m): int(v) for m, v in zip(result.moves, result.visits, strict=True)}
        return max(np.flatnonzero(wanted), key=lambda p: visits.get(int(p), -1))

    def claim_score(self, state: GameState) -> str:
        """Our count of the game as it stands (dead stones by our playouts), e.g. 'B+3.5'."""
        result = self.search(state, playouts=min(self.config.playouts, 2000))
        return result_string(count_if_ended(state, result.ownership)[0])

    def move_comment(self) -> str:
        """What the last search saw, for game records: '4032 sims, 54.2% E5'."""
        r = self.last
        if r is None or len(r.moves) == 0:
            return ""
        return f"{r.simulations} sims, best {r.best_winrate:.1%}"

    def warm_up(self) -> None:
        """Load (or, the first time on a machine, compile) the numba kernels now, so that no
        move pays for it: a tiny search, a move, and a search reusing its tree."""
        state = GameState(5)
        self.search(state, playouts=16)
        state.play(self.last.best)
        self.search(state, playouts=16)
        self.tree = self.spare = self.root = None

    def close(self) -> None:
        self.tree = self.spare = None


# -- counting and the clean-up -----------------------------------------------------------------

def has_playable(state: GameState) -> bool:
    """True if the side to move has a legal point that is not its own eye."""
    out = np.empty(state.size * state.size, dtype=np.int32)
    return playable_points(state.legal_mask(), state.stones, state.nbr, state.diag,
                           state.to_play, out) > 0


def dead_stones(state: GameState, ownership: np.ndarray) -> np.ndarray:
    """bool[n*n]: stones whose chain the playouts mostly lose (mean ownership from the
    chain's side below DEAD_BELOW)."""
    dead = np.zeros(state.size * state.size, dtype=bool)
    for p in np.flatnonzero(state.stones):
        if not dead[p] and state.stones[p] * ownership[p] < DEAD_BELOW:
            points = state.chain_points(int(p))
            if state.stones[p] * ownership[points].mean() < DEAD_BELOW:
                dead[points] = True
    return dead


def count_if_ended(state: GameState, ownership: np.ndarray) -> tuple[float, int]:
    """(score, neutral points) of an area count if the game ended now, the stones our playouts
    call dead taken off: Black - White - komi, and how many points count for no one."""
    stones = np.where(dead_stones(state, ownership), 0, state.stones).astype(np.int8)
    black, white, _ = area_counts(stones, state.nbr)
    return black - white - state.komi, state.size * state.size - black - white


def settled_board(state: GameState, ownership: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(dead stones, owner of every point of the area count with them taken off)."""
    dead = dead_stones(state, ownership)
    _, _, owner = area_counts(np.where(dead, 0, state.stones).astype(np.int8), state.nbr)
    return dead, owner


def safe_points(state: GameState, wanted: np.ndarray) -> np.ndarray:
    """``wanted`` less the illegal moves and those that leave the new stone's chain with one
    liberty (a stone the opponent could take back)."""
    wanted = wanted & state.legal_mask()[:-1]
    buf = np.empty(8, dtype=np.int32)
    for p in np.flatnonzero(wanted):
        if liberties_after(state.stones, state.chain, state.nbr, p, state.to_play, 2, buf) < 2:
            wanted[p] = False
    return wanted


def cleanup_points(state: GameState, ownership: np.ndarray) -> np.ndarray:
    """bool[n*n]: legal moves of the side to move that capture towards a dead opponent chain
    (its liberties) or fill a neutral point, never putting its own stones in atari."""
    dead, owner = settled_board(state, ownership)
    wanted = np.zeros(state.size * state.size, dtype=bool)
    for p in np.flatnonzero(dead & (state.stones == -state.to_play)):
        wanted[state.liberty_points(int(p))] = True
    return safe_points(state, wanted | ((owner == 0) & (state.stones == 0)))


def approach_points(state: GameState, ownership: np.ndarray) -> np.ndarray:
    """bool[n*n]: for dead opponent chains that :func:`cleanup_points` cannot approach (each
    liberty a self-atari), the empty points of our area next to such a liberty that we can
    fill safely: they give the capturing stone its liberties. (Arena game: white G3-H1 with
    liberties G1 and J1 inside black's area, black's J1 and G1 self-ataris; black fills F1
    first, then G1 captures.)"""
    me = state.to_play
    dead, owner = settled_board(state, ownership)
    wanted = np.zeros(state.size * state.size, dtype=bool)
    for p in np.flatnonzero(dead & (state.stones == -me)):
        for q in state.liberty_points(int(p)):
            for r in state.nbr[q]:
                if r >= 0 and state.stones[r] == 0 and owner[r] == me:
                    wanted[r] = True
    return safe_points(state, wanted)


def replace_options(config: MctsConfig, **options) -> MctsConfig:
    """``config`` with fields of it or of its ``uct`` replaced by name."""
    own = {f.name for f in dataclasses.fields(MctsConfig)}
    uct = {k: v for k, v in options.items() if k not in own}
    mine = {k: v for k, v in options.items() if k in own}
    if uct:
        mine["uct"] = dataclasses.replace(config.uct, **uct)
    return dataclasses.replace(config, **mine)
