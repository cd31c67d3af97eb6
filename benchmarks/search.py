"""Search speed: tree-only overhead per simulation (uniform evaluator), one core.

With an evaluator that costs nothing (uniform priors, value 0) every microsecond is the tree's:
selection, expansion (a GameState copy and a legal-move mask per new node), virtual loss and
backup. The network comparison (evaluations per second inside the search vs. the raw batched
forward pass of the same net) joins this table once a network evaluator exists.

Run: ``python benchmarks/search.py`` or ``dosaku bench search``.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("NUMBA_NUM_THREADS", "1")

from dosaku.rules.game import GameState  # noqa: E402
from dosaku.search.evaluator import UniformEvaluator  # noqa: E402
from dosaku.search.puct import Search, SearchConfig  # noqa: E402


def tree_overhead(size: int, batch: int, simulations: int) -> float:
    """Microseconds per simulation of a fresh search from the empty board."""
    search = Search(UniformEvaluator(), SearchConfig(batch_size=batch), seed=0)
    search.run(GameState(size), 50)  # warm-up (numba kernels load here)
    search = Search(UniformEvaluator(), SearchConfig(batch_size=batch), seed=0)
    start = time.perf_counter()
    search.run(GameState(size), simulations)
    return (time.perf_counter() - start) / simulations * 1e6


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--simulations", type=int, default=3000)
    args = parser.parse_args(argv)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    print("| board | batch | tree µs / simulation | simulations/s (tree only) |")
    print("|---|---|---|---|")
    for size in (9, 19):
        for batch in (1, 8, 32):
            us = tree_overhead(size, batch, args.simulations)
            print(f"| {size}x{size} | {batch} | {us:,.0f} | {1e6 / us:,.0f} |")


if __name__ == "__main__":
    main()
