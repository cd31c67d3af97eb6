"""Search speed, one core: network evaluations per second inside the search vs. the raw
batched forward pass of the same network, and the tree's own overhead per simulation.

- Raw: the net's forward pass alone on (B, C, n, n) planes, positions per second.
- In search: a PUCT search with :class:`NetEvaluator` (planes encoded, random symmetry) at the
  same batch size, positions evaluated per second of search. The goal is >= 80% of raw: the
  rest is tree, encoding and Python overhead.
- Tree only: a uniform evaluator that costs nothing, so every microsecond is the tree's
  (selection, expansion: a GameState copy and a legal-move mask per node, virtual loss, backup).

Run: ``python benchmarks/search.py`` or ``dosaku bench search``.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

from dosaku.agents.net_evaluator import NetEvaluator  # noqa: E402
from dosaku.nets import create_model  # noqa: E402
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


def raw_forward(model, batch: int, seconds: float) -> float:
    """Positions per second of the bare forward pass."""
    c, n = model.config.in_planes, model.config.board_size
    planes = torch.from_numpy(np.random.default_rng(0).integers(0, 2, (batch, c, n, n))
                              .astype(np.float32))
    with torch.inference_mode():
        model(planes)
        done, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            model(planes)
            done += batch
    return done / (time.perf_counter() - start)


def in_search(model, batch: int, seconds: float) -> float:
    """Positions the network evaluates per second while a PUCT search drives it."""
    evaluator = NetEvaluator(model, symmetry="random", seed=0)
    search = Search(evaluator, SearchConfig(batch_size=batch), seed=0)
    search.run(GameState(model.config.board_size), 2 * batch)  # warm-up
    evaluator.positions, start = 0, time.perf_counter()
    state = GameState(model.config.board_size)
    while time.perf_counter() - start < seconds:
        search.run(state, 4 * batch)
    return evaluator.positions / (time.perf_counter() - start)


def net_table(names: list[str], size: int, seconds: float) -> None:
    print("| net | board | batch | raw forward pos/s | in search pos/s | search / raw |")
    print("|---|---|---|---|---|---|")
    for name in names:
        model = create_model(name, board_size=size).eval()
        for batch in (1, 8, 32):
            raw = raw_forward(model, batch, seconds)
            inside = in_search(model, batch, seconds)
            print(f"| {name} | {size}x{size} | {batch} | {raw:,.0f} | {inside:,.0f} | "
                  f"{inside / raw:.0%} |")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--simulations", type=int, default=3000)
    parser.add_argument("--nets", nargs="+", default=["resnet_b6c64"])
    parser.add_argument("--size", type=int, default=9)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args(argv)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    torch.set_num_threads(1)
    net_table(args.nets, args.size, args.seconds)
    print()
    print("| board | batch | tree µs / simulation | simulations/s (tree only) |")
    print("|---|---|---|---|")
    for size in (9, 19):
        for batch in (1, 8, 32):
            us = tree_overhead(size, batch, args.simulations)
            print(f"| {size}x{size} | {batch} | {us:,.0f} | {1e6 / us:,.0f} |")


if __name__ == "__main__":
    main()
