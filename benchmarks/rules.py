"""Rules speed: numba kernels vs. a plain pure-Python implementation, side by side, one core.

For each board size, from the empty board:
- random playouts per second (legal moves that do not fill one's own eye, to two passes);
- ``play`` calls per second (full rules: captures, ko, positional superko, hashing);
- full legal-move-mask computations per second (every point, superko included).

The pure-Python column is :mod:`dosaku.rules.reference` (flood-fill chains, a set of earlier
boards), the style of the minigo and dlgo teaching boards. Reference figures from the issue,
measured on this machine class with one thread: Pachi (C) light playouts ~31,000/s on 9x9 and
~10,000/s on 19x19; minigo / dlgo pure-Python boards ~115-130/s and ~11-15/s.

Run: ``python benchmarks/rules.py`` or ``dosaku bench rules`` (``--seconds`` per cell).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time

os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from dosaku.rules.game import GameState  # noqa: E402
from dosaku.rules.playout import new_rng, run_playouts  # noqa: E402
from dosaku.rules.reference import ReferenceGame  # noqa: E402

PACHI = {9: 31_000, 19: 10_000}
PURE_PYTHON_REFERENCE = {9: "115-130", 19: "11-15"}
TARGET = {9: 20_000, 19: 4_000}


def rate(work, seconds: float) -> float:
    """Calls of ``work()`` per second (each call reports how many units it did)."""
    work()  # warm-up: numba compiles or loads its cache here
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        done += work()
    return done / (time.perf_counter() - start)


def random_games(size: int, count: int, seed: int) -> list[list[int]]:
    """Move lists of random legal games (no own-eye filling) for the play/mask benchmarks."""
    rng = np.random.default_rng(seed)
    games = []
    for _ in range(count):
        state = GameState(size, komi=7.5)
        while not state.is_over and state.move_number < 3 * size * size:
            legal = state.legal_moves()
            state.play(int(rng.choice(legal[:-1])) if len(legal) > 1 and rng.random() > 0.02
                       else size * size)
        games.append([m for _, m in state.moves])
    return games


def bench_size(size: int, seconds: float) -> dict[str, tuple[float, float]]:
    empty = GameState(size, komi=7.5)
    scores, ownership = np.empty(256), np.empty(size * size)
    rng = new_rng(1)

    def numba_playouts() -> int:
        k = 64 if size <= 9 else 16
        run_playouts(empty.stones, empty.chain, empty.ckey, empty.nbr, empty.diag, empty.zkeys,
                     1, -1, 7.5, k, 3 * size * size, rng, scores, ownership)
        return k

    py_rng = random.Random(1)

    def python_playouts() -> int:
        ReferenceGame(size, komi=7.5).playout(1, py_rng, 3 * size * size)
        return 1

    games = random_games(size, 8, seed=size)

    def numba_play() -> int:
        n = 0
        for moves in games:
            state = GameState(size, komi=7.5)
            for move in moves:
                state.play(move)
            n += len(moves)
        return n

    def python_play() -> int:
        moves = games[0]
        ref, color = ReferenceGame(size), 1
        for move in moves:
            ref.play(None if move == size * size else move, color)
            color = -color
        return len(moves)

    positions = []
    for moves in games[:2]:
        state = GameState(size, komi=7.5)
        for i, move in enumerate(moves):
            if i % 10 == 0:
                positions.append(state.copy())
            state.play(move)
    mask = np.empty(size * size + 1, dtype=bool)

    def numba_mask() -> int:
        for state in positions:
            state.legal_mask(out=mask)
        return len(positions)

    def python_mask() -> int:
        ref = ReferenceGame(size)
        ref.legal_mask(1)
        return 1

    return {
        "playouts/s": (rate(numba_playouts, seconds), rate(python_playouts, seconds)),
        "play calls/s": (rate(numba_play, seconds), rate(python_play, seconds)),
        "legal masks/s": (rate(numba_mask, seconds), rate(python_mask, seconds)),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[9, 19])
    parser.add_argument("--seconds", type=float, default=3.0, help="time per measurement")
    args = parser.parse_args(argv)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
    print(f"dosaku rules benchmark, one core, {args.seconds:g} s per cell, python "
          f"{sys.version.split()[0]}")
    header = f"| {'board':5} | {'measure':14} | {'dosaku (numba)':>14} | {'pure Python':>11} " \
             f"| {'speed-up':>8} | {'Pachi (C) ref.':>14} | {'target':>7} |"
    print(header)
    print("|" + "|".join("-" * (len(c)) for c in header.split("|")[1:-1]) + "|")
    for size in args.sizes:
        for name, (fast, slow) in bench_size(size, args.seconds).items():
            pachi = f"{PACHI[size]:,}" if name == "playouts/s" and size in PACHI else ""
            target = f"{TARGET[size]:,}" if name == "playouts/s" and size in TARGET else ""
            print(f"| {f'{size}x{size}':5} | {name:14} | {fast:14,.0f} | {slow:11,.1f} | "
                  f"{fast / slow:7,.0f}x | {pachi:>14} | {target:>7} |")
    print("Pure-Python boards elsewhere (issue figures): minigo/dlgo playouts/s "
          + ", ".join(f"{k}x{k}: {v}" for k, v in PURE_PYTHON_REFERENCE.items()))


if __name__ == "__main__":
    main()
