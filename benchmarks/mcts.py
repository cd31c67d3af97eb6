"""MCTS speed: simulations per second of the classical player, one core, beside its playouts.

For each board size, three rates on the same core, in the same run:

- *light playouts/s*: uniformly random non-eye-filling playouts from the empty board, the rules
  benchmark's figure (:func:`dosaku.rules.playout.run_playouts`);
- *heavy playouts/s*: the MCTS player's playout policy alone (captures, escapes, 3×3 patterns,
  self-atari checks; :func:`dosaku.rules.heavy_playout.heavy_playout`);
- *MCTS simulations/s*: the whole search (tree descent, expansion with priors, a heavy playout,
  RAVE backup) as :class:`dosaku.agents.mcts.MctsAgent` runs it, from the empty board and from a
  middle-game position (a quarter of the board played by the playout policy).

Rates are per CPU second of this process (``time.process_time``), so that other processes on a
shared machine slow the run down without changing the figures much; the process is pinned to
one core. Run: ``python benchmarks/mcts.py`` or ``dosaku bench mcts`` (``--seconds`` per cell,
``--out FILE`` to keep the table).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from dosaku.agents.mcts import MctsAgent, MctsConfig  # noqa: E402
from dosaku.rules.game import GameState  # noqa: E402
from dosaku.rules.heavy_playout import (default_policy, heavy_playout,  # noqa: E402
                                        new_ladder_scratch)
from dosaku.rules.patterns import pattern_table  # noqa: E402
from dosaku.rules.playout import new_rng, run_playouts  # noqa: E402


def rate(work, seconds: float) -> float:
    """Units per CPU second of ``work()`` (each call returns how many units it did)."""
    work()  # warm-up: numba compiles or loads its cache here
    done, start = 0, time.process_time()
    while time.process_time() - start < seconds:
        done += work()
    return done / (time.process_time() - start)


def light_playouts(state: GameState):
    n = state.size * state.size
    scores, ownership, rng = np.empty(64), np.empty(n), new_rng(1)

    def work() -> int:
        run_playouts(state.stones, state.chain, state.ckey, state.nbr, state.diag, state.zkeys,
                     state.to_play, -1, state.komi, 16, 3 * n, rng, scores, ownership)
        return 16
    return work


def heavy_playouts(state: GameState):
    n = state.size * state.size
    table, policy, rng = pattern_table(), default_policy(), new_rng(1)
    scratch = [np.empty(n, np.int32) for _ in range(3)]
    cand, buf = np.empty(4 * n + 16, np.int32), np.empty(8, np.int32)
    amaf_color, amaf_depth = np.zeros(n, np.int8), np.zeros(n, np.int32)
    ladder = new_ladder_scratch(state.size)

    def work() -> int:
        for _ in range(16):
            stones, chain, ckey = state.stones.copy(), state.chain.copy(), state.ckey.copy()
            amaf_color[:] = 0
            heavy_playout(stones, chain, ckey, state.nbr, state.diag, state.zkeys, table, policy,
                          state.to_play, -1, -1, 3 * n, rng, *scratch, cand, buf, ladder,
                          amaf_color, amaf_depth, 0)
        return 16
    return work


def mcts_simulations(state: GameState):
    agent = MctsAgent(MctsConfig(playouts=256, reuse_tree=False, early_stop=False), seed=1)

    def work() -> int:
        return agent.search(state).simulations
    return work


def middle_game(size: int, seed: int = 3) -> GameState:
    """A position a quarter full, played by the playout policy from the empty board."""
    agent = MctsAgent(MctsConfig(playouts=1, reuse_tree=False), seed=seed)
    state = GameState(size, komi=7.5)
    while np.count_nonzero(state.stones) < size * size // 4 and not state.is_over:
        state.play(agent.search(state, playouts=1).best)
    return state


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[9, 19])
    parser.add_argument("--seconds", type=float, default=3.0, help="CPU time per measurement")
    parser.add_argument("--out", default=None, help="also write the table to this file")
    args = parser.parse_args(argv)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
    lines = [f"dosaku MCTS benchmark: one core, rates per CPU second, {args.seconds:g} s per "
             f"cell, python {sys.version.split()[0]}", "",
             "| board | light playouts/s | heavy playouts/s | MCTS simulations/s (empty) "
             "| MCTS simulations/s (middle game) |",
             "|---|---:|---:|---:|---:|"]
    print("\n".join(lines))
    for size in args.sizes:
        empty, middle = GameState(size, komi=7.5), middle_game(size)
        cells = [rate(light_playouts(empty), args.seconds),
                 rate(heavy_playouts(empty), args.seconds),
                 rate(mcts_simulations(empty), args.seconds),
                 rate(mcts_simulations(middle), args.seconds)]
        row = f"| {size}x{size} | " + " | ".join(f"{c:,.0f}" for c in cells) + " |"
        print(row)
        lines.append(row)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
