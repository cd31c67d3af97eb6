"""PuctAgent: a player that thinks with the PUCT search over any Evaluator.

With a network evaluator it is the AlphaGo Zero player; with :class:`RolloutEvaluator` it is a
knowledge-free Monte-Carlo player usable before any network is trained. The agent keeps its
tree between moves (tree reuse: the opponent's reply walks the old tree down), stops on a visit
budget or a time budget (whichever comes first), resigns below the configured threshold, and
can analyse a position until told to stop (GTP ``lz-analyze``/``kata-analyze``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from dosaku.rules.game import GameState
from dosaku.rules.types import Move
from dosaku.search.evaluator import Evaluator
from dosaku.search.puct import Node, Search, SearchConfig

from .base import RESIGN


@dataclass(frozen=True)
class ThinkingLimits:
    visits: int = 800
    """Simulations per move (counting those kept from the previous move's tree)."""
    seconds: float | None = None
    """Wall-clock seconds per move; None = visits only."""
    temperature: float = 0.0
    """Move choice: 0 = most visited; > 0 samples ∝ N^(1/T) (self-play openings)."""


class PuctAgent:
    """Plays the most visited move of a PUCT search; ``select_move`` never changes ``state``."""

    def __init__(self, evaluator: Evaluator, config: SearchConfig | None = None,
                 limits: ThinkingLimits | None = None, seed: int | None = None,
                 name: str = "puct", board_size: int | None = None):
        self.search = Search(evaluator, config, seed=seed)
        self.limits = limits or ThinkingLimits()
        self.name = name
        self.board_size = board_size  # the only size its networks play; None = any
        self.move_seconds: float | None = None  # a clock's budget for the next move (GTP)
        self.last_root: tuple[int, float] | None = None  # (visits, q) of the last move's
        # search, for game records (``move_comment``)

    def select_move(self, state: GameState,
                    on_update: Callable[[Node], None] | None = None,
                    interval: float = 1.0) -> Move:
        """The move to play (RESIGN below the threshold); ``on_update(root)`` streams the
        search's progress every ``interval`` seconds (GTP ``*-genmove_analyze``)."""
        root = self.think(state, self.limits.visits, self.budget(), on_update=on_update,
                          interval=interval)
        self.last_root = (int(root.visits), float(root.q()))
        self.move_seconds = None
        if self.search.should_resign():
            return RESIGN
        move = self.search.choose(self.limits.temperature) if root.expanded else state.pass_move
        self.search.advance(move)
        return move

    def move_comment(self) -> str:
        """What the last search saw, for game records (the arena writes it into each move's
        SGF comment, where GUIs such as Sabaki show it, and from which a resignation threshold
        can be checked afterwards): '812 visits, winrate 43.1%' from the mover's view."""
        if self.last_root is None:
            return ""
        visits, q = self.last_root
        return f"{visits} visits, winrate {(q + 1) / 2:.1%}"

    def warm_up(self) -> None:
        """One throwaway batch on an empty board (numba compiling, the net's first call), so
        that no game clock pays for it; the agent's own tree is untouched."""
        scratch = Search(self.search.evaluator, self.search.config, seed=0)
        scratch.run(GameState(self.board_size or 9), self.search.config.batch_size)

    def budget(self) -> float | None:
        """Seconds for this move: the tighter of the fixed limit and the clock's budget."""
        limits = [s for s in (self.limits.seconds, self.move_seconds) if s is not None]
        return min(limits) if limits else None

    def follow(self, state: GameState) -> None:
        """Walk the kept tree down the moves played since it was built (tree reuse)."""
        root = self.search.root
        if root is None:
            return
        known = root.state.moves
        if state.moves[:len(known)] != known or root.state.size != state.size:
            self.search.root = None
            return
        for _, move in state.moves[len(known):]:
            self.search.advance(move)
            if self.search.root is None:
                return

    def think(self, state: GameState, visits: int, seconds: float | None = None,
              stop: threading.Event | None = None,
              on_update: Callable[[Node], None] | None = None,
              interval: float = 1.0) -> Node:
        """Search ``state`` until the root has ``visits`` visits, ``seconds`` pass, or ``stop``
        is set; ``on_update(root)`` is called every ``interval`` seconds and at the end.

        Under ``seconds`` (counted from the call, the root's own evaluation included) a round
        of simulations is sized to the time left at the pace of the last one, and none is
        started that would not finish in time: a whole batch of a slow net would otherwise
        overshoot (the 13 x 192 policy net in bf16 on a CPU without bf16 units took 11 s a
        batch of 8, and a ``time=2`` player 10-14 s a move). One round always runs."""
        start = last = time.perf_counter()
        self.follow(state)
        search = self.search
        root = search.run(state, 0)
        pace = 0.0  # seconds per simulation in the last round
        rounds = 0
        while not root.terminal and root.visits < visits:
            if stop is not None and stop.is_set():
                break
            size = search.config.batch_size
            if seconds is not None:
                left = seconds - (time.perf_counter() - start)
                if rounds and pace > 0:
                    size = min(size, int(left / pace))
                if rounds and (left <= 0 or size < 1):
                    break
            began, before = time.perf_counter(), root.visits
            search.run(state, size)
            pace = (time.perf_counter() - began) / max(root.visits - before, 1)
            rounds += 1
            if on_update is not None and time.perf_counter() - last >= interval:
                on_update(root)
                last = time.perf_counter()
        if on_update is not None:
            on_update(root)
        return root
